// The media library: a click on a picture's reference selects it (to copy); opened from a
// post's form ("reuse one from the media library"), each picture also offers to be inserted
// into that post's text at its cursor.
"use strict";
(function () {
  function editorWindow() {
    try {
      var other = window.opener;
      return other && other.location.origin === window.location.origin &&
        other.document.querySelector("textarea.post-body") ? other : null;
    } catch (error) {
      return null;  // another site's window
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input.picture-reference").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
    var editor = editorWindow();
    if (!editor) { return; }
    document.querySelectorAll("button.insert-picture").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        editor.postMessage({ type: "insert-picture", reference: button.dataset.reference }, window.location.origin);
        button.textContent = "Inserted";
      });
    });
  });
})();
