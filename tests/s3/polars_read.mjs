// Read a lake pushed by `barlake push` back from S3 with Polars (nodejs-polars), a second
// engine that knows nothing of barlake: hive partitions from the keys, numeric-looking
// symbols kept as strings. Prints one dataset's bars as `barlake read` does (CSV, UTC).
//   node tests/s3/polars_read.mjs ENDPOINT s3://BUCKET/PREFIX SYMBOL TIMEFRAME
import pl from 'nodejs-polars';

const [endpoint, url, symbol, timeframe] = process.argv.slice(2);
const df = pl
  .scanParquet(`${url}/lake/**/*.parquet`, {
    hivePartitioning: true,
    cloudOptions: {
      aws_endpoint_url: endpoint,
      aws_allow_http: 'true',
      aws_region: 'us-east-1',
      aws_access_key_id: process.env.AWS_ACCESS_KEY_ID ?? 'S3RVER',
      aws_secret_access_key: process.env.AWS_SECRET_ACCESS_KEY ?? 'S3RVER',
      aws_virtual_hosted_style_request: 'false',
    },
  })
  .filter(pl.col('symbol').cast(pl.Utf8).eq(pl.lit(symbol)).and(pl.col('timeframe').cast(pl.Utf8).eq(pl.lit(timeframe))))
  .sort('ts')
  .collectSync();
const num = (v) => {
  const s = String(v);
  return s;
};
const lines = ['ts,open,high,low,close,volume'];
const ts = df.getColumn('ts').toArray();
const cols = ['open', 'high', 'low', 'close', 'volume'].map((c) => df.getColumn(c).toArray());
for (let i = 0; i < ts.length; i++) {
  const t = ts[i] instanceof Date ? ts[i] : new Date(Number(ts[i]) / 1000);
  lines.push([t.toISOString().replace('.000Z', 'Z'), ...cols.map((c) => num(c[i]))].join(','));
}
console.log(lines.join('\n'));
