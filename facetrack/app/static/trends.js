(() => {
  const chart = document.getElementById("chart"), tip = document.getElementById("tip");
  const hide = () => { tip.hidden = true; };
  function show(point) {
    const d = point.dataset;
    tip.querySelector(".what").textContent = d.label;
    tip.querySelector(".when").textContent = "Photo of " + d.date;
    tip.querySelector(".value").textContent = d.text;  // "133.1 ± 0.8°", formatted by the server
    tip.querySelector("img").src = "/thumb/" + d.capture;
    tip.hidden = false;
    const box = point.querySelector(".target").getBoundingClientRect(), host = chart.getBoundingClientRect();
    let left = box.right - host.left + 6;
    if (left + tip.offsetWidth > host.width) left = box.left - host.left - tip.offsetWidth - 6;
    tip.style.left = Math.max(0, left) + "px";
    tip.style.top = Math.max(0, box.top - host.top - 10) + "px";
  }
  for (const point of chart.querySelectorAll(".point")) {
    const d = point.dataset;
    point.setAttribute("role", "img");
    point.setAttribute("aria-label", d.label + ", " + d.date + ": " + d.text);
    for (const kind of ["mouseenter", "focus", "click"]) point.addEventListener(kind, () => show(point));
    for (const kind of ["mouseleave", "blur"]) point.addEventListener(kind, hide);
  }
  document.addEventListener("keydown", e => { if (e.key === "Escape") hide(); });
  document.body.dataset.hover = "ready";
})();
