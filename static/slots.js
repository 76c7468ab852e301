// Reordering a session's speaker slots by dragging and by the keyboard
// (templates/staff/session_form.html). The page works without this file:
// every slot has Move up and Move down buttons that are ordinary forms.
// This script only fills the same order form with the keys in their new
// order and submits it, so the server does all the arithmetic.
//
// Keyboard: focus a slot's handle; Space or Enter picks it up, the arrow
// keys move it, Space or Enter drops it (and saves), Escape puts it back.
// Alt+ArrowUp and Alt+ArrowDown move a slot at once and save. Every step is
// announced in the page's live region.
(function () {
  "use strict";

  var list = document.querySelector("ol.slots[data-order-form]");
  if (!list) {
    return;
  }
  var form = document.getElementById(list.getAttribute("data-order-form"));
  var live = document.getElementById(list.getAttribute("data-live"));
  var storeKey = "planner.slot-moved";

  function rows() {
    return Array.prototype.slice.call(list.querySelectorAll("li.slot-row"));
  }

  function keys() {
    return rows().map(function (li) { return li.getAttribute("data-key"); });
  }

  function say(text) {
    // Clearing first makes a screen reader read a repeated message again.
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  function position(li) {
    return rows().indexOf(li) + 1 + " of " + rows().length;
  }

  function save(li) {
    if (keys().join(",") === before) {
      say("The order is unchanged.");
      return;
    }
    Array.prototype.forEach.call(form.querySelectorAll("input[name=order]"), function (i) { i.remove(); });
    keys().forEach(function (k) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "order";
      input.value = k;
      form.appendChild(input);
    });
    try {
      window.sessionStorage.setItem(storeKey, li.getAttribute("data-key"));
    } catch (e) {
      // Private browsing may refuse storage; the focus then starts at the top.
    }
    say("Saving the new order.");
    form.submit();
  }

  var before = keys().join(",");
  var grabbed = null;
  var grabbedFrom = null;

  function move(li, by) {
    var all = rows();
    var at = all.indexOf(li);
    var to = at + by;
    if (to < 0 || to >= all.length) {
      return false;
    }
    if (by < 0) {
      list.insertBefore(li, all[to]);
    } else {
      list.insertBefore(li, all[to].nextSibling);
    }
    li.querySelector(".slot-handle").focus();
    return true;
  }

  function drop(li, keep) {
    li.classList.remove("grabbed");
    li.querySelector(".slot-handle").setAttribute("aria-pressed", "false");
    grabbed = null;
    if (!keep) {
      list.insertBefore(li, grabbedFrom);
      li.querySelector(".slot-handle").focus();
      say(li.getAttribute("data-title") + " put back, position " + position(li) + ".");
      return;
    }
    save(li);
  }

  rows().forEach(function (li) {
    var handle = li.querySelector(".slot-handle");
    handle.hidden = false;
    handle.setAttribute("aria-pressed", "false");
    li.setAttribute("draggable", "true");

    handle.addEventListener("keydown", function (ev) {
      var title = li.getAttribute("data-title");
      if (ev.key === "ArrowUp" || ev.key === "ArrowDown") {
        var by = ev.key === "ArrowUp" ? -1 : 1;
        if (ev.altKey && !grabbed) {
          ev.preventDefault();
          if (move(li, by)) {
            say(title + " moved to position " + position(li) + ".");
            save(li);
          }
          return;
        }
        if (grabbed === li) {
          ev.preventDefault();
          if (move(li, by)) {
            say(title + ", position " + position(li) + ".");
          } else {
            say(title + " is already " + (by < 0 ? "first" : "last") + ".");
          }
        }
        return;
      }
      if (ev.key === " " || ev.key === "Enter") {
        ev.preventDefault();
        if (grabbed === li) {
          drop(li, true);
          return;
        }
        grabbed = li;
        grabbedFrom = li.nextSibling;
        li.classList.add("grabbed");
        handle.setAttribute("aria-pressed", "true");
        say(title + " picked up, position " + position(li) +
          ". Arrow keys move it, Space drops it, Escape puts it back.");
        return;
      }
      if (ev.key === "Escape" && grabbed === li) {
        ev.preventDefault();
        drop(li, false);
      }
    });
    handle.addEventListener("blur", function () {
      // Leaving a picked-up slot puts it back, unless it moved with the focus.
      window.setTimeout(function () {
        if (grabbed === li && document.activeElement !== handle) {
          drop(li, false);
        }
      }, 0);
    });

    li.addEventListener("dragstart", function (ev) {
      grabbed = li;
      li.classList.add("dragging");
      ev.dataTransfer.effectAllowed = "move";
      ev.dataTransfer.setData("text/plain", li.getAttribute("data-key"));
    });
    li.addEventListener("dragend", function () {
      li.classList.remove("dragging");
      grabbed = null;
      save(li);
    });
  });

  list.addEventListener("dragover", function (ev) {
    if (!grabbed) {
      return;
    }
    ev.preventDefault();
    var over = ev.target.closest ? ev.target.closest("li.slot-row") : null;
    if (!over || over === grabbed) {
      return;
    }
    var box = over.getBoundingClientRect();
    if (ev.clientY < box.top + box.height / 2) {
      list.insertBefore(grabbed, over);
    } else {
      list.insertBefore(grabbed, over.nextSibling);
    }
  });
  list.addEventListener("drop", function (ev) { ev.preventDefault(); });

  // After a move saved, the focus returns to the handle of the slot that
  // moved, so that a keyboard user can go on moving it. It waits for the
  // page's load: scrolling to the address's #slots fragment would take a
  // focus given earlier away again.
  function restoreFocus() {
    var moved = null;
    try {
      moved = window.sessionStorage.getItem(storeKey);
      window.sessionStorage.removeItem(storeKey);
    } catch (e) {
      moved = null;
    }
    var li = moved && document.getElementById("slot-" + moved);
    if (li) {
      li.querySelector(".slot-handle").focus();
      say(li.getAttribute("data-title") + " is now at position " + position(li) + ". The order is saved.");
    }
  }
  if (document.readyState === "complete") {
    window.setTimeout(restoreFocus, 0);
  } else {
    window.addEventListener("load", function () { window.setTimeout(restoreFocus, 0); });
  }
})();
