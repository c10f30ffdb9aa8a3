/* The statistics page's charts (issue 14 §5): the composition by programme and the twelve-month trend,
   drawn from the same figures as the tables (the json_script "stats-chart-data"). Loaded only there. */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("stats-chart-data");
    if (!source || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    var composition = document.getElementById("composition-chart");
    if (composition) {
      var pie = window.echarts.init(composition);
      pie.setOption({
        tooltip: {trigger: "item", formatter: "{b}：{c} " + data.composition_unit + "（{d}%）"},
        legend: {type: "scroll", bottom: 0},
        series: [{type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
          label: {formatter: "{b}\n{d}%"},
          data: data.composition.map(function (d) { return {name: d.name, value: Number(d.value)}; })}]
      });
      charts.push(pie);
    }
    var trend = document.getElementById("trend-chart");
    if (trend && data.trend) {
      var bars = window.echarts.init(trend);
      bars.setOption({
        tooltip: {trigger: "axis"}, legend: {type: "scroll", top: 0},
        grid: {left: 70, right: 20, top: 40, bottom: 30},
        xAxis: {type: "category", data: data.trend.months},
        yAxis: {type: "value"},
        series: data.trend.series.map(function (s) {
          return {name: s.name, type: "bar", stack: "amount", data: s.data.map(Number)};
        })
      });
      charts.push(bars);
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
