/* Live signature count for the projector view and the teacher's pledge page.
 *
 * The page renders the count (it works without this script, with its refresh link). With
 * the script, the element marked data-live-count="<url of the pledge's count.json>" asks
 * that URL every few seconds and puts the number in its <strong> (and in a <progress> with
 * data-live-count-progress, if any). The words after the number come from
 * data-live-count-one / data-live-count-other when the page gives them.
 *
 * Screen readers: the visible number changes silently (it is not a live region); a
 * separate visually hidden element with aria-live="polite" (data-live-count-announce)
 * gets the sentence at most every 30 seconds, so a busy class doesn't talk over the
 * teacher. The last change is always announced, up to 30 seconds late.
 *
 * A "pause" button (labels from data-live-count-pause / data-live-count-resume) stops
 * and restarts the updates: moving content must be stoppable (WCAG 2.2.2).
 *
 * Stops when the answer is not the count (logged out: the idle logout redirects to the
 * log-in page), waits longer after network errors, and rests while the tab is hidden.
 */
(function () {
  "use strict";

  var POLL_MS = 5000;
  var ANNOUNCE_MS = 30000;
  var MAX_WAIT_MS = 60000;

  var root = document.querySelector("[data-live-count]");
  if (!root || !window.fetch) {
    return;
  }
  var url = root.getAttribute("data-live-count");
  var number = root.querySelector("strong");
  var words = root.querySelector("[data-live-count-words]");
  var progress = document.querySelector("[data-live-count-progress]");
  var announcer = document.querySelector("[data-live-count-announce]");
  var plurals = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang || "en") : null;

  var shown = number ? parseInt(number.textContent, 10) : NaN;
  var wait = POLL_MS;
  var timer = null;
  var busy = false;
  var stopped = false;
  var paused = false;
  var lastAnnounced = 0;
  var announceTimer = null;

  function wordsFor(count) {
    var form = plurals && plurals.select(count) === "one" ? "one" : "other";
    return root.getAttribute("data-live-count-" + form);
  }

  function announce() {
    announceTimer = null;
    lastAnnounced = Date.now();
    announcer.textContent = root.textContent.replace(/\s+/g, " ").trim();
  }

  function scheduleAnnouncement() {
    if (!announcer || announceTimer) {
      return;
    }
    var due = lastAnnounced + ANNOUNCE_MS - Date.now();
    if (due <= 0) {
      announce();
    } else {
      announceTimer = window.setTimeout(announce, due);
    }
  }

  function show(count) {
    if (count === shown || !number) {
      return;
    }
    shown = count;
    number.textContent = String(count);
    var text = words ? wordsFor(count) : null;
    if (text) {
      words.textContent = text;
    }
    if (progress) {
      progress.value = count;
    }
    scheduleAnnouncement();
  }

  function next(delay) {
    if (!stopped && !paused) {
      timer = window.setTimeout(poll, delay);
    }
  }

  function poll() {
    timer = null;
    if (document.hidden || paused) {
      return; // visibilitychange starts again
    }
    busy = true;
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || response.redirected || type.indexOf("application/json") !== 0) {
          stopped = true; // logged out, or the pledge is gone: the page keeps its last count
          return null;
        }
        return response.json();
      })
      .then(function (data) {
        busy = false;
        if (data && typeof data.count === "number" && !paused) {
          show(data.count);
          wait = POLL_MS;
        }
        next(wait);
      })
      .catch(function () {
        busy = false;
        wait = Math.min(wait * 2, MAX_WAIT_MS); // offline for a moment: try again, less often
        next(wait);
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !timer && !busy && !stopped && !paused) {
      poll();
    }
  });
  function addPauseButton() {
    var pause = root.getAttribute("data-live-count-pause");
    var resume = root.getAttribute("data-live-count-resume");
    if (!pause || !resume) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "live-count-toggle btn btn-link px-0";
    button.textContent = pause;
    button.addEventListener("click", function () {
      paused = !paused;
      button.textContent = paused ? resume : pause;
      if (paused && timer) {
        window.clearTimeout(timer);
        timer = null;
      } else if (!paused && !timer && !busy) {
        poll();
      }
    });
    var holder = document.createElement("p");
    holder.className = "no-print";
    holder.appendChild(button);
    var after = progress && progress.parentNode === root.parentNode ? progress : root;
    after.parentNode.insertBefore(holder, after.nextSibling);
  }

  addPauseButton();
  next(POLL_MS);
})();
