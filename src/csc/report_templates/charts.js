// Draws every chart of a benchmark pack page from the Vega-Lite specification kept beside
// its container (a <script type="application/json" data-chart-for="ID"> element). Each
// container records how it went in data-chart-state ("drawn" or "failed"); a chart that
// cannot be drawn says so, and the data table below it still holds the figures.
const drawing = Array.from(document.querySelectorAll("script[data-chart-for]"), (source) => {
  const target = document.getElementById(source.dataset.chartFor);
  target.dataset.chartState = "drawing";
  return vegaEmbed(target, JSON.parse(source.textContent), {
    mode: "vega-lite",
    renderer: "svg",
    actions: false,
  })
    .then(() => {
      target.dataset.chartState = "drawn";
    })
    .catch((error) => {
      target.dataset.chartState = "failed";
      target.textContent =
        "This chart could not be drawn. The data table below it holds the same figures.";
      console.error(error);
    });
});
Promise.all(drawing).then(() => {
  document.documentElement.dataset.charts = "ready";
});
