// s3rver (an S3 API, npm) on 127.0.0.1 for barlake's S3 tests: prints "PORT <n>" once it
// listens, serves until stdin closes or SIGTERM. Buckets given after the folder are created.
//   node tests/s3/s3rver_main.mjs DIR [BUCKET...]
// s3rver accepts any secret for its access key S3RVER (so signatures are not checked here;
// tests/backup/sigv4_test.cc checks them against AWS's documented examples).
import S3rver from 's3rver';

const [dir, ...buckets] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node s3rver_main.mjs DIR [BUCKET...]');
  process.exit(2);
}
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  directory: dir,
  silent: true,
  configureBuckets: buckets.map((name) => ({ name })),
});
const { port } = await server.run();
console.log(`PORT ${port}`);
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
