/* The 社会组织 statistics page's charts: organisations by type, inspection conclusions, and inspection
   completion by area, drawn from the same figures as the tables (json_script "organisation-chart-data"). */
(function () {
  "use strict";
  function pie(id, data) {
    var element = document.getElementById(id);
    if (!element || !data.length) { return null; }
    var chart = window.echarts.init(element);
    chart.setOption({
      tooltip: {trigger: "item", formatter: "{b}：{c}（{d}%）"},
      legend: {type: "scroll", bottom: 0},
      series: [{type: "pie", radius: ["35%", "65%"], center: ["50%", "42%"], label: {formatter: "{d}%"}, data: data}]
    });
    return chart;
  }
  function draw() {
    var source = document.getElementById("organisation-chart-data");
    if (!source || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var charts = [pie("type-chart", data.types), pie("conclusion-chart", data.conclusions)];
    var area = document.getElementById("area-chart");
    if (area && data.areas.length) {
      var bars = window.echarts.init(area);
      bars.setOption({
        tooltip: {trigger: "axis"}, legend: {top: 0},
        grid: {left: 50, right: 20, top: 40, bottom: 60},
        xAxis: {type: "category", data: data.areas, axisLabel: {interval: 0, rotate: 30}},
        yAxis: {type: "value", minInterval: 1},
        series: [{name: "应报年检", type: "bar", data: data.due}, {name: "已出结论", type: "bar", data: data.concluded}]
      });
      charts.push(bars);
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { if (c) { c.resize(); } }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
