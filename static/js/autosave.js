// Post form: never lose words. What is typed is autosaved for its writer (after a few seconds
// without typing, and when the page is left), reopening the form offers it back ("Restore
// the text from 14:32?"), and leaving with unsaved changes asks first.
// Without JavaScript the form works as before; nothing is autosaved.
"use strict";
(function () {
  var IDLE_MILLISECONDS = 2500;

  function editableFields(form) {
    // The post's own fields: not the pictures' inline forms (prefixed "images-"), buttons,
    // files or hidden bookkeeping.
    return Array.prototype.filter.call(form.elements, function (element) {
      var skipped = ["hidden", "file", "submit", "button", "reset", "image"];
      return element.name && element.name.indexOf("-") < 0 && !element.disabled &&
        skipped.indexOf(element.type) < 0 && element.tagName !== "BUTTON" &&
        element.tagName !== "FIELDSET" && element.tagName !== "OUTPUT";
    });
  }

  function valueOf(element) {
    if (element.type === "checkbox") { return element.checked ? "on" : ""; }
    return element.value;
  }

  function snapshot(form) {
    var values = {};
    editableFields(form).forEach(function (element) { values[element.name] = valueOf(element); });
    return values;
  }

  function fill(form, values) {
    editableFields(form).forEach(function (element) {
      if (!Object.prototype.hasOwnProperty.call(values, element.name)) { return; }
      if (element.type === "checkbox") {
        element.checked = values[element.name] === "on";
      } else {
        element.value = values[element.name];
      }
      element.dispatchEvent(new Event("input", { bubbles: true }));
      element.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  function setUp(marker) {
    var form = marker.form;
    var url = marker.dataset.autosaveUrl;
    var csrfField = form.querySelector("input[name=csrfmiddlewaretoken]");
    var csrf = csrfField ? csrfField.value : "";
    var loaded = JSON.stringify(snapshot(form));
    var lastSent = loaded;
    // A form sent back with errors holds what the author typed, not what is saved.
    var sentBackWithErrors = document.querySelector(".errornote") !== null;
    var submitting = false;
    var timer = null;

    var bar = document.createElement("div");
    bar.className = "autosave-bar";
    var status = document.createElement("p");
    status.className = "help autosave-status";
    status.setAttribute("role", "status");
    bar.appendChild(status);
    form.insertBefore(bar, form.firstChild);

    function payload(values) {
      var data = new FormData();
      data.append("csrfmiddlewaretoken", csrf);
      data.append(marker.name, marker.value);  // the version this text was typed on
      Object.keys(values).forEach(function (name) { data.append(name, values[name]); });
      return data;
    }

    function send(data, leaving) {
      var options = {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf },
        keepalive: leaving,
      };
      return fetch(url, options);
    }

    function autosave(leaving) {
      window.clearTimeout(timer);
      var values = snapshot(form);
      var state = JSON.stringify(values);
      if (submitting || state === lastSent) { return; }
      lastSent = state;
      var data = payload(values);
      if (leaving) {
        try {
          send(data, true);
        } catch (error) {  // keepalive refused (a body over 64 kB): the beacon may still go
          if (navigator.sendBeacon) { navigator.sendBeacon(url, payload(values)); }
        }
        return;
      }
      send(data, false)
        .then(function (response) {
          return response.ok ? response.json() : Promise.reject(response);
        })
        .then(function (result) {
          status.textContent = "Autosaved at " + result.time + " (for you only; not saved to the post).";
        })
        .catch(function () {
          lastSent = null;
          status.textContent = "Autosave failed: save the post to keep your text.";
        });
    }

    function hasUnsavedChanges() {
      return !submitting && (sentBackWithErrors || JSON.stringify(snapshot(form)) !== loaded);
    }

    form.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { autosave(false); }, IDLE_MILLISECONDS);
    });
    form.addEventListener("change", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { autosave(false); }, IDLE_MILLISECONDS);
    });
    form.addEventListener("submit", function () {
      submitting = true;
      window.clearTimeout(timer);
    });
    window.addEventListener("pagehide", function () { autosave(true); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { autosave(true); }
    });
    window.addEventListener("beforeunload", function (event) {
      if (hasUnsavedChanges()) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) { submitting = false; }  // back from the next page
    });

    offerRestore(form, marker, bar, status, function () {
      var data = payload({ discard: "1" });
      send(data, false).catch(function () {});
    });
  }

  function offerRestore(form, marker, bar, status, discard) {
    var script = document.getElementById("autosave-offer");
    if (!script) { return; }
    var offer = JSON.parse(script.textContent);
    var current = snapshot(form);
    var differs = Object.keys(offer.fields).some(function (name) {
      return Object.prototype.hasOwnProperty.call(current, name) && current[name] !== offer.fields[name];
    });
    if (!differs) { return; }
    var box = document.createElement("ul");
    box.className = "messagelist autosave-offer";
    var item = document.createElement("li");
    item.className = "warning";
    var question = document.createElement("span");
    question.textContent = "Restore the text from " + offer.time + "? It was autosaved and not saved to the post" +
      (offer.saved_since ? " (which was saved since, at " + offer.saved_since + ": saving will show you what changed)" : "") + ". ";
    var restore = document.createElement("button");
    restore.type = "button";
    restore.className = "button";
    restore.textContent = "Restore";
    var dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "button";
    dismiss.textContent = "Dismiss";
    item.appendChild(question);
    item.appendChild(restore);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(dismiss);
    box.appendChild(item);
    bar.insertBefore(box, bar.firstChild);

    function focusFirstField() {
      var first = form.querySelector("#id_title") || form.querySelector("textarea, input[type=text]");
      if (first) { first.focus(); }
    }
    restore.addEventListener("click", function () {
      fill(form, offer.fields);
      if (offer.fields[marker.name]) { marker.value = offer.fields[marker.name]; }
      box.remove();
      status.textContent = "Restored the text from " + offer.time + ". Save to keep it.";
      focusFirstField();
    });
    dismiss.addEventListener("click", function () {
      discard();
      box.remove();
      status.textContent = "Dismissed the autosaved text.";
      focusFirstField();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var marker = document.querySelector("input[data-autosave-url]");
    if (marker && marker.form) { setUp(marker); }
  });
})();
