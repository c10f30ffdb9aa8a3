/* The eldercare overview's charts (issue 17 §9): orders by service kind and by provider, drawn from the
   same figures as the tables (the json_script "eldercare-chart-data"). Loaded only there. */
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("eldercare-chart-data");
    if (!source || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    var kinds = document.getElementById("kind-chart");
    if (kinds) {
      var pie = window.echarts.init(kinds);
      pie.setOption({
        tooltip: {trigger: "item", formatter: "{b}：{c} 单（{d}%）"},
        legend: {type: "scroll", bottom: 0},
        series: [{type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], label: {formatter: "{b}\n{d}%"},
          data: data.kinds}]
      });
      charts.push(pie);
    }
    var providers = document.getElementById("provider-chart");
    if (providers) {
      var bars = window.echarts.init(providers);
      bars.setOption({
        tooltip: {trigger: "axis"},
        grid: {left: 140, right: 20, top: 10, bottom: 30},
        xAxis: {type: "value"},
        yAxis: {type: "category", inverse: true, data: data.providers.names,
          axisLabel: {width: 130, overflow: "truncate"}},
        series: [{name: "订单数", type: "bar", data: data.providers.orders}]
      });
      charts.push(bars);
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
