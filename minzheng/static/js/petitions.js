/* The 信访 dashboard's charts (issue 20 §6): matters by type and received/overdue by unit, drawn from the same
   figures as the tables (the json_script "petition-chart-data"). Loaded only there. */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("petition-chart-data");
    if (!source || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    var matter = document.getElementById("matter-chart");
    if (matter) {
      var pie = window.echarts.init(matter);
      pie.setOption({
        tooltip: {trigger: "item", formatter: "{b}：{c} 件（{d}%）"},
        legend: {type: "scroll", bottom: 0},
        series: [{type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
          data: data.matter.filter(function (d) { return d.value > 0; })}]
      });
      charts.push(pie);
    }
    var divisions = document.getElementById("division-chart");
    if (divisions) {
      var bars = window.echarts.init(divisions);
      bars.setOption({
        tooltip: {trigger: "axis"}, legend: {top: 0},
        grid: {left: 50, right: 20, top: 40, bottom: 60},
        xAxis: {type: "category", data: data.divisions.names, axisLabel: {interval: 0, rotate: 30}},
        yAxis: {type: "value", minInterval: 1},
        series: [
          {name: "收到", type: "bar", data: data.divisions.received},
          {name: "已超期", type: "bar", data: data.divisions.overdue}
        ]
      });
      charts.push(bars);
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
