// Pictures in one step: chosen (the "Add pictures" button), dropped or pasted into the body
// editor, they are described (alt text, in a dialog), uploaded at once with a progress bar
// each, and their Markdown reference is inserted at the cursor; the preview shows them.
// A post not saved yet holds them as the author's; its first save takes them.
// Without this script the "Pictures" section below the form uploads them on save.
"use strict";
(function () {
  var TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"];

  function csrfToken(form) {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function element(tag, properties) {
    var made = document.createElement(tag);
    Object.keys(properties || {}).forEach(function (key) { made[key] = properties[key]; });
    return made;
  }

  function setUp(body, tray) {
    var form = body.form;
    var match = window.location.pathname.match(/\/(\d+)\/change\/$/);
    var uploadUrl = window.location.pathname.replace(/(add|\d+\/change)\/$/, "pictures/upload/");
    var list = tray.querySelector(".picture-tray-list");
    var progressList = tray.querySelector(".picture-uploads");
    var fileInput = tray.querySelector(".picture-file");
    var dialog = null;

    tray.querySelector(".picture-tray-controls").hidden = false;
    tray.querySelector(".picture-tray-fallback").hidden = true;

    function insertAtCursor(text) {
      var at = body.selectionEnd;
      var before = body.value.slice(0, at);
      var block = (before && !/\n$/.test(before) ? "\n\n" : "") + text + "\n\n";
      body.setRangeText(block, at, at, "end");
      body.dispatchEvent(new Event("input", { bubbles: true }));  // the preview refreshes
    }

    function showInTray(result, alt) {
      var item = element("li");
      var image = element("img", { src: result.thumbnail, alt: "" });
      image.width = Math.min(result.width, 80);
      item.append(image, " ", element("span", { textContent: alt }), " ",
        element("code", { textContent: result.reference }));
      list.appendChild(item);
    }

    function upload(file, alt, caption) {
      var row = element("li", { className: "picture-upload" });
      var progress = element("progress", { max: 100, value: 0 });
      progress.setAttribute("aria-label", "Uploading " + file.name);
      var status = element("span", { className: "picture-upload-status", textContent: "Uploading…" });
      row.append(element("span", { textContent: file.name + " " }), progress, " ", status);
      progressList.appendChild(row);
      var data = new FormData();
      data.append("file", file, file.name || "pasted-picture");
      data.append("alt", alt);
      data.append("caption", caption);
      data.append("post_id", match ? match[1] : "");
      var request = new XMLHttpRequest();
      request.open("POST", uploadUrl);
      request.setRequestHeader("X-CSRFToken", csrfToken(form));
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) { progress.value = Math.round(100 * event.loaded / event.total); }
      });
      request.addEventListener("load", function () {
        var result = {};
        try { result = JSON.parse(request.responseText); } catch (error) { result = {}; }
        if (request.status === 201) {
          progress.value = 100;
          status.textContent = "Uploaded, and placed in the text.";
          insertAtCursor(result.reference);
          showInTray(result, alt);
          return;
        }
        row.classList.add("errornote");
        var reasons = [];
        Object.keys(result.errors || {}).forEach(function (name) { reasons = reasons.concat(result.errors[name]); });
        status.textContent = "Not uploaded: " + (reasons.join(" ") ||
          (request.status === 413 ? "the file is too large." : "the server refused it (" + request.status + ")."));
      });
      request.addEventListener("error", function () {
        row.classList.add("errornote");
        status.textContent = "Not uploaded: the connection failed. Try again.";
      });
      request.send(data);
    }

    // The alt text is asked for in a dialog beside the editor. It is not a <form>: it sits
    // inside the post's form (forms do not nest), so its fields have no names and Enter in
    // them uploads rather than saving the post.
    function previewOf(file, image) {
      if (file.size > 8 * 1024 * 1024) { return; }  // a data: URL (the site's CSP allows no blob:)
      var reader = new FileReader();
      reader.addEventListener("load", function () { image.src = reader.result; });
      reader.readAsDataURL(file);
    }

    function describe(files) {
      if (!files.length || dialog) { return; }
      var cursor = body.selectionEnd;  // focusing the editor again may move it: it is put back
      dialog = element("dialog", { className: "picture-describe" });
      dialog.setAttribute("aria-labelledby", "picture-describe-title");
      dialog.appendChild(element("h2", { id: "picture-describe-title", textContent: "Describe the pictures" }));
      dialog.appendChild(element("p", {
        textContent: "Alt text says what a picture shows, for people who cannot see it.",
      }));
      var fields = files.map(function (file, index) {
        var fieldset = element("fieldset");
        fieldset.appendChild(element("legend", { textContent: file.name || "Pasted picture" }));
        var preview = element("img", { alt: "" });
        preview.width = 120;
        previewOf(file, preview);
        fieldset.appendChild(preview);
        var alt = element("input", { type: "text", id: "picture-alt-" + index, maxLength: 300 });
        alt.setAttribute("aria-required", "true");
        var caption = element("input", { type: "text", id: "picture-caption-" + index, maxLength: 300 });
        var problem = element("span", { id: "picture-alt-" + index + "-error", className: "errornote", hidden: true });
        [[alt, "Alt text (required)"], [caption, "Caption (optional)"]].forEach(function (pair) {
          var line = element("p");
          line.append(element("label", { htmlFor: pair[0].id, textContent: pair[1] }), " ", pair[0]);
          fieldset.appendChild(line);
        });
        fieldset.appendChild(problem);
        dialog.appendChild(fieldset);
        return { file: file, alt: alt, caption: caption, problem: problem };
      });
      var buttons = element("p");
      var send = element("button", { type: "button", className: "button default", textContent: "Upload" });
      var cancel = element("button", { type: "button", className: "button", textContent: "Cancel" });
      buttons.append(send, " ", cancel);
      dialog.appendChild(buttons);
      tray.appendChild(dialog);

      function close() {
        dialog.close();
        dialog.remove();
        dialog = null;
        body.focus();
        body.setSelectionRange(cursor, cursor);
      }

      function submit() {
        var missing = fields.filter(function (field) {
          var empty = !field.alt.value.trim();
          field.problem.hidden = !empty;
          field.problem.textContent = empty ? "Say what the picture shows." : "";
          field.alt.setAttribute("aria-invalid", empty ? "true" : "false");
          if (empty) { field.alt.setAttribute("aria-describedby", field.problem.id); }
          return empty;
        });
        if (missing.length) { missing[0].alt.focus(); return; }
        fields.forEach(function (field) { upload(field.file, field.alt.value.trim(), field.caption.value.trim()); });
        close();
      }

      send.addEventListener("click", submit);
      cancel.addEventListener("click", close);
      dialog.addEventListener("keydown", function (event) {
        if (event.key === "Escape") { event.preventDefault(); close(); }
        if (event.key === "Enter" && event.target.tagName === "INPUT") { event.preventDefault(); submit(); }
      });
      dialog.show();
      fields[0].alt.focus();
    }

    function pictures(fileList) {
      return Array.prototype.filter.call(fileList || [], function (file) {
        return TYPES.indexOf(file.type) >= 0 || file.type === "" || file.type.indexOf("image/") === 0;
      });
    }

    tray.querySelector(".picture-choose").addEventListener("click", function () { fileInput.click(); });
    fileInput.addEventListener("change", function () {
      describe(Array.prototype.slice.call(fileInput.files));  // others are refused with a reason
      fileInput.value = "";
    });
    body.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
        event.preventDefault();
      }
    });
    body.addEventListener("drop", function (event) {
      var files = event.dataTransfer ? Array.prototype.slice.call(event.dataTransfer.files) : [];
      if (!files.length) { return; }
      event.preventDefault();
      describe(files);
    });
    body.addEventListener("paste", function (event) {
      var files = pictures(event.clipboardData && event.clipboardData.files);
      if (!files.length) { return; }
      event.preventDefault();
      describe(files);
    });
    // "Insert into the open post" in the media library, opened from this form.
    window.addEventListener("message", function (event) {
      var data = event.data || {};
      if (event.origin !== window.location.origin || data.type !== "insert-picture") { return; }
      if (typeof data.reference === "string" && /^!\[[^\n]*\]\(image:\d+/.test(data.reference)) {
        insertAtCursor(data.reference);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var body = document.querySelector("textarea.post-body");
    var tray = document.querySelector(".picture-tray");
    if (body && body.form && tray && window.FormData && body.setRangeText) { setUp(body, tray); }
  });
})();
