/* Present mode: arrow keys step through the screens and a countdown times each activity.
   Without this file the screens still work: each is a page with rel=next/prev links. */
(function () {
  "use strict";

  function follow(rel) {
    var link = document.querySelector('a[rel="' + rel + '"]');
    if (link) { window.location.href = link.href; }
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) { return; }
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(target.tagName));
    if (event.key === "ArrowRight" || event.key === "PageDown" || (event.key === " " && !typing)) {
      event.preventDefault();
      follow("next");
    } else if (event.key === "ArrowLeft" || event.key === "PageUp") {
      event.preventDefault();
      follow("prev");
    }
  });

  function format(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function countdown(source) {
    var total = parseInt(source.getAttribute("data-seconds"), 10);
    if (!(total > 0)) { return; }
    var left = total;
    var timer = null;
    var box = document.createElement("div");
    box.className = "countdown";
    var clock = document.createElement("span");
    clock.className = "countdown-clock";
    clock.setAttribute("role", "timer");
    clock.textContent = format(left);
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "present-button";
    toggle.textContent = source.getAttribute("data-start") || "Start timer";
    var reset = document.createElement("button");
    reset.type = "button";
    reset.className = "present-button present-quiet";
    reset.textContent = source.getAttribute("data-reset") || "Reset";
    var status = document.createElement("span");
    status.className = "countdown-status";
    status.setAttribute("role", "status");

    function stop() {
      window.clearInterval(timer);
      timer = null;
      toggle.textContent = source.getAttribute("data-resume") || "Resume timer";
    }

    function tick() {
      left -= 1;
      clock.textContent = format(Math.max(left, 0));
      if (left <= 0) {
        stop();
        box.classList.add("countdown-done");
        status.textContent = source.getAttribute("data-done") || "Time is up";
        toggle.textContent = source.getAttribute("data-start") || "Start timer";
        left = 0;
      }
    }

    toggle.addEventListener("click", function () {
      if (timer) { stop(); return; }
      if (left <= 0) { left = total; box.classList.remove("countdown-done"); status.textContent = ""; }
      timer = window.setInterval(tick, 1000);
      toggle.textContent = source.getAttribute("data-pause") || "Pause timer";
    });
    reset.addEventListener("click", function () {
      if (timer) { stop(); }
      left = total;
      clock.textContent = format(left);
      box.classList.remove("countdown-done");
      status.textContent = "";
      toggle.textContent = source.getAttribute("data-start") || "Start timer";
    });

    box.appendChild(clock);
    box.appendChild(toggle);
    box.appendChild(reset);
    box.appendChild(status);
    source.parentNode.parentNode.insertBefore(box, source.parentNode.nextSibling);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var sources = document.querySelectorAll(".present-lesson .board-minutes[data-seconds]");
    for (var i = 0; i < sources.length; i += 1) { countdown(sources[i]); }
  });
})();
