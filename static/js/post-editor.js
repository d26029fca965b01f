// Post form: a live preview of the Markdown body (rendered by the site's own pipeline on the
// server), the word count, and tag suggestions for the last comma-separated term.
// Everything works without it: "Save and continue editing" and "View draft" do the same.
"use strict";
(function () {
  function csrfToken(form) {
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function setUpPreview(body) {
    var form = body.form;
    var panel = document.createElement("div");
    panel.className = "post-preview";
    panel.setAttribute("aria-live", "polite");
    var meta = document.createElement("p");
    meta.className = "post-preview-meta";
    var content = document.createElement("div");
    content.className = "post-preview-content";
    panel.appendChild(meta);
    panel.appendChild(content);
    body.insertAdjacentElement("afterend", panel);
    var match = window.location.pathname.match(/\/(\d+)\/change\/$/);
    var timer = null;

    function refresh() {
      var data = new FormData();
      data.append("body", body.value);
      data.append("title", (form.querySelector("#id_title") || {}).value || "");
      data.append("slug", (form.querySelector("#id_slug") || {}).value || "");
      data.append("post_id", match ? match[1] : "");
      data.append("markup", (form.querySelector("#id_markup") || {}).value || "markdown");
      data.append("summary", (form.querySelector("#id_summary") || {}).value || "");
      fetch(form.dataset.previewUrl, {
        method: "POST",
        body: data,
        headers: { "X-CSRFToken": csrfToken(form) },
        credentials: "same-origin",
      })
        .then(function (response) {
          if (response.status === 413) {
            return response.json().then(function (result) { return Promise.reject(result.error); });
          }
          return response.ok ? response.json() : Promise.reject(response);
        })
        .then(function (result) {
          meta.textContent = "Preview · " + result.words + " words, about " + result.minutes + " min to read";
          content.innerHTML = result.html; // produced by the site's sanitiser
        })
        .catch(function (reason) {
          meta.textContent = typeof reason === "string" ? reason : "Preview unavailable; save to see the draft.";
        });
    }

    body.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 400);
    });
    refresh();
  }

  function setUpTagSuggestions(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var tags = Array.prototype.map.call(list.options, function (option) { return option.value; });
    input.addEventListener("input", function () {
      var cut = input.value.lastIndexOf(",");
      var done = cut >= 0 ? input.value.slice(0, cut + 1) + " " : "";
      var typed = input.value.slice(cut + 1).trim().toLowerCase();
      list.innerHTML = "";
      tags.filter(function (tag) { return typed && tag.toLowerCase().indexOf(typed) === 0; })
        .slice(0, 20)
        .forEach(function (tag) {
          var option = document.createElement("option");
          option.value = done + tag;
          list.appendChild(option);
        });
    });
  }

  // A "Copy" button beside each address to copy (the post's, the share link); without
  // JavaScript the read-only field can be selected and copied by hand.
  function setUpCopyButton(input) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy: " + (input.getAttribute("aria-label") || "address"));
    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");
    input.insertAdjacentElement("afterend", button);
    button.insertAdjacentElement("afterend", status);
    button.addEventListener("click", function () {
      function done() { status.textContent = "Copied."; }
      input.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () {
          status.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
        });
      } else {
        status.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input.copyable").forEach(setUpCopyButton);
    var body = document.querySelector("textarea.post-body");
    if (body && body.form) {
      body.form.dataset.previewUrl = window.location.pathname.replace(/(add|\d+\/change)\/$/, "preview/");
      setUpPreview(body);
    }
    var tagInput = document.querySelector("input.tag-input");
    if (tagInput) { setUpTagSuggestions(tagInput); }
  });
})();
