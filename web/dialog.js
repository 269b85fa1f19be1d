// The confirmation dialog of index.html (#confirm-dialog), as a promise.

/** A modal yes/no question; resolves true on Confirm. `detail`: an element shown under the text. */
export function confirmDialog(title, text, okLabel = 'Confirm', detail = null) {
  const dialog = document.getElementById('confirm-dialog');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-detail').replaceChildren(...(detail ? [detail] : []));
  document.getElementById('confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise(resolve => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}
