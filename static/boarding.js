// The checklist of a run's boarding or of a hand-out, on a phone. Without
// this script every tick is a form that reloads the page; with it, a tick
// is sent in the background and the row says at once whether it was saved
// ("not saved — retry" when the connection fails or is too slow), and the
// list follows the ticks of other phones every few seconds.
(function () {
  "use strict";
  var list = document.getElementById("checklist");
  if (!list || !window.fetch) {
    return;
  }
  var stateURL = list.getAttribute("data-state");
  var pending = {}; // person -> true while a tick of theirs is in flight
  var timeoutMs = 8000;
  var pollMs = 4000;

  function rowOf(person) {
    return list.querySelector('li[data-person="' + CSS.escape(person) + '"]');
  }

  // show puts a tick as the server stored it on its row.
  function show(person, tick) {
    var row = rowOf(person);
    if (!row) {
      return;
    }
    row.classList.toggle("ticked", tick.ticked);
    var state = row.querySelector(".state");
    if (state) {
      state.textContent = tick.ticked ? "\u2713 " + tick.by + ", " + tick.at : (tick.by ? "unticked by " + tick.by + ", " + tick.at : "");
    }
    var form = row.querySelector("form.tick");
    if (form) {
      form.elements.ticked.value = tick.ticked ? "0" : "1";
      var button = form.querySelector("button");
      var text = tick.ticked ? button.getAttribute("data-untick") : button.getAttribute("data-tick");
      button.textContent = text;
      button.setAttribute("aria-label", text + ": " + row.getAttribute("data-name"));
    }
  }

  // count writes how many are ticked and who is still missing.
  function count() {
    var rows = list.querySelectorAll("li.checklist-row");
    var ticked = 0;
    var missing = [];
    rows.forEach(function (row) {
      if (row.classList.contains("ticked")) {
        ticked++;
      } else {
        missing.push(row.getAttribute("data-name"));
      }
    });
    document.getElementById("ticked-count").textContent = String(ticked);
    document.getElementById("missing").textContent = missing.length ? "Still missing: " + missing.join(", ") + "." : "Nobody is missing.";
  }

  function fail(row, form) {
    var error = row.querySelector(".error");
    error.hidden = false;
    error.textContent = "Not saved \u2014 ";
    var retry = document.createElement("button");
    retry.type = "button";
    retry.textContent = "retry";
    retry.addEventListener("click", function () {
      send(form);
    });
    error.appendChild(retry);
  }

  function send(form) {
    var row = form.closest("li");
    var person = row.getAttribute("data-person");
    var error = row.querySelector(".error");
    error.hidden = true;
    error.textContent = "";
    pending[person] = true;
    row.classList.add("pending");
    var controller = new AbortController();
    var timer = setTimeout(function () {
      controller.abort();
    }, timeoutMs);
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: controller.signal
    }).then(function (res) {
      if (!res.ok) {
        throw new Error("HTTP " + res.status);
      }
      return res.json();
    }).then(function (ticks) {
      Object.keys(ticks).forEach(function (p) {
        show(p, ticks[p]);
      });
      count();
    }).catch(function () {
      fail(row, form);
    }).finally(function () {
      clearTimeout(timer);
      delete pending[person];
      row.classList.remove("pending");
    });
  }

  list.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("tick")) {
      return;
    }
    event.preventDefault();
    send(form);
  });

  // poll follows the other phones' ticks; a row with a tick in flight
  // keeps what its own phone shows until the answer comes.
  function poll() {
    var controller = new AbortController();
    var timer = setTimeout(function () {
      controller.abort();
    }, timeoutMs);
    fetch(stateURL, { headers: { Accept: "application/json" }, credentials: "same-origin", signal: controller.signal })
      .then(function (res) {
        return res.ok ? res.json() : null;
      })
      .then(function (state) {
        if (!state) {
          return;
        }
        list.querySelectorAll("li.checklist-row").forEach(function (row) {
          var person = row.getAttribute("data-person");
          if (pending[person]) {
            return;
          }
          show(person, state.ticks[person] || { ticked: false, by: "", at: "" });
        });
        count();
      })
      .catch(function () {})
      .finally(function () {
        clearTimeout(timer);
        setTimeout(poll, pollMs);
      });
  }
  setTimeout(poll, pollMs);
})();
