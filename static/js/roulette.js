// Coffee roulette availability grid: click and drag to mark many half-hours.
// Progressive enhancement: without this file the grid is plain checkboxes.
// Only the wide layout (the 7 x 48 grid, from 40rem) paints: on a phone each
// day is a list of large boxes, where a finger scrolls the page and a tap
// ticks one box, as without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var wide = window.matchMedia("(min-width: 40rem)");

  function setUp(grid) {
    var painting = false;
    var value = false;

    function boxIn(target) {
      if (!(target instanceof Element)) return null;
      var cell = target.closest("li");
      return cell && grid.contains(cell) ? cell.querySelector("input[type=checkbox]") : null;
    }

    grid.addEventListener("pointerdown", function (event) {
      var box = boxIn(event.target);
      if (!box || event.button !== 0 || !wide.matches) return;
      event.preventDefault();
      // Touch pointers are captured by the first cell; release so that
      // moving over other cells reaches them.
      if (event.target.hasPointerCapture && event.target.hasPointerCapture(event.pointerId)) {
        event.target.releasePointerCapture(event.pointerId);
      }
      painting = true;
      value = !box.checked;
      box.checked = value;
      box.focus({ preventScroll: true });
    });

    grid.addEventListener("pointerover", function (event) {
      if (!painting) return;
      var box = boxIn(event.target);
      if (box) box.checked = value;
    });

    function stop() { painting = false; }
    document.addEventListener("pointerup", stop);
    document.addEventListener("pointercancel", stop);

    // The pointer already set the box; a mouse click would toggle it back.
    // Keyboard clicks (space bar) have detail 0 and work as usual.
    grid.addEventListener("click", function (event) {
      if (wide.matches && event.detail > 0 && boxIn(event.target)) event.preventDefault();
    });
  }

  document.querySelectorAll("[data-roulette-grid]").forEach(setUp);
})();
