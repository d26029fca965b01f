// Pictures in a post open their large rendition. Without this script that is a plain link to
// the file; with it, the picture opens over the page in a <dialog>: Escape, the close button,
// a click outside it or the browser's Back button close it, and focus returns to the picture.
(function () {
  "use strict";
  var dialog = null;
  var opener = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "lightbox";
    dialog.setAttribute("aria-label", "Picture");
    var close = document.createElement("button");
    close.type = "button";
    close.className = "lightbox-close";
    close.textContent = "Close";
    var image = document.createElement("img");
    image.alt = "";
    dialog.append(close, image);
    close.addEventListener("click", function () { history.back(); });
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) { history.back(); }
    });
    dialog.addEventListener("cancel", function (event) {  // Escape
      event.preventDefault();
      history.back();
    });
    dialog.addEventListener("close", function () {
      if (opener) { opener.focus(); }
    });
    document.body.append(dialog);
  }

  function show(link) {
    if (!dialog) { build(); }
    opener = link;
    var picture = link.querySelector("img");
    var image = dialog.querySelector("img");
    image.src = link.href;
    image.alt = picture ? picture.alt : "";
    dialog.showModal();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.picture-link");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
    event.preventDefault();
    history.pushState({ picture: link.href }, "", "#picture");  // Back closes it
    show(link);
  });

  window.addEventListener("popstate", function () {
    if (dialog && dialog.open) { dialog.close(); }
  });
})();
