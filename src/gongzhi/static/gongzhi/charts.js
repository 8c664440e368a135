/* Gongzhi charts (Apache ECharts), declared in the markup.
 *
 * A chart is an element with data-chart="<kind>" and data-source="<id of a json_script
 * element>"; its translated labels come in data-label-* attributes. No chart here has
 * a custom formatter: ECharts' own tooltips escape names, and the map's tooltip is
 * drawn as canvas text (renderMode "richText"), so a place name typed by a user can
 * never become markup (the grid map's formatter once returned it as HTML).
 */
(function () {
  "use strict";

  function data(element) {
    var source = document.getElementById(element.getAttribute("data-source"));
    return source ? JSON.parse(source.textContent) : null;
  }

  function label(element, name) {
    return element.getAttribute("data-label-" + name) || "";
  }

  // The centroid of a Polygon's outer ring, or of a MultiPolygon's largest one.
  function centroid(geometry) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates]
      : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
    var best = null;
    polygons.forEach(function (polygon) {
      var ring = polygon[0] || [], a = 0, x = 0, y = 0;
      for (var i = 0; i + 1 < ring.length; i++) {
        var cross = ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
        a += cross;
        x += (ring[i][0] + ring[i + 1][0]) * cross;
        y += (ring[i][1] + ring[i + 1][1]) * cross;
      }
      if (a && (!best || Math.abs(a) > best.area)) {
        best = {area: Math.abs(a), point: [x / (3 * a), y / (3 * a)]};
      }
    });
    return best && best.point;
  }

  var charts = [];

  var kinds = {
    // The grid map of a community: one indicator per grid, a click opens the grid.
    "grid-map": function (element, geo) {
      var indicator = element.getAttribute("data-indicator");
      var features = geo.features.filter(function (f) { return f.geometry; });
      if (!features.length) return null;
      // A grid is named by its name, with its code only where two share a name; its
      // label sits at its polygon's centroid (ECharts' "cp"), not its box's centre.
      var seen = {};
      features.forEach(function (f) { seen[f.properties.name] = (seen[f.properties.name] || 0) + 1; });
      features.forEach(function (f) {
        if (seen[f.properties.name] > 1) f.properties.name = f.properties.name + "·" + f.properties.code;
        var centre = centroid(f.geometry);
        if (centre) f.properties.cp = centre;
      });
      echarts.registerMap("grids", {type: "FeatureCollection", features: features});
      var values = features.map(function (f) {
        return {name: f.properties.name, value: f.properties[indicator] || 0, url: f.properties.url};
      });
      var max = Math.max.apply(null, values.map(function (v) { return v.value; }).concat([1]));
      var chart = echarts.init(element);
      chart.setOption({
        tooltip: {trigger: "item", renderMode: "richText"},
        visualMap: {
          min: 0, max: max, left: "left", bottom: 10, calculable: true,
          inRange: {color: ["#fff5f0", "#fb6a4a", "#a50f15"]}
        },
        series: [{
          type: "map", map: "grids", roam: true, name: label(element, "indicator"),
          label: {show: true, fontSize: 11}, labelLayout: {hideOverlap: true}, data: values
        }]
      });
      chart.on("click", function (p) {
        var url = p.data && p.data.url;
        if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") {
          window.location.assign(url);
        }
      });
      return chart;
    },

    // Demands: closed cases and satisfaction over twelve months.
    "demand-trend": function (element, d) {
      var closed = label(element, "closed"), satisfaction = label(element, "satisfaction");
      var chart = echarts.init(element);
      chart.setOption({
        tooltip: {trigger: "axis"},
        legend: {data: [closed, satisfaction]},
        xAxis: {type: "category", data: d.months},
        yAxis: [{type: "value"}, {type: "value", min: 0, max: 100}],
        series: [
          {name: closed, type: "bar", data: d.closed},
          {name: satisfaction, type: "line", yAxisIndex: 1, data: d.satisfaction}
        ]
      });
      return chart;
    },

    // Demands: the three rates of each community.
    "demand-rates": function (element, d) {
      var names = [label(element, "response"), label(element, "resolution"), label(element, "satisfaction")];
      var chart = echarts.init(element);
      chart.setOption({
        tooltip: {trigger: "axis"},
        legend: {data: names},
        xAxis: {type: "category", data: d.communities, axisLabel: {interval: 0, rotate: 30}},
        yAxis: {type: "value", min: 0, max: 100},
        series: [
          {name: names[0], type: "bar", data: d.community_response},
          {name: names[1], type: "bar", data: d.community_resolution},
          {name: names[2], type: "bar", data: d.community_satisfaction}
        ]
      });
      return chart;
    }
  };

  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var draw = kinds[element.getAttribute("data-chart")];
    var d = data(element);
    if (draw && d) {
      var chart = draw(element, d);
      if (chart) charts.push(chart);
    }
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
