/* The worker's check-in/out form (eldercare): the phone's location through the Geolocation API and the
   photo compressed with a canvas before upload. Without a location the worker types the reason; the
   server refuses a check without either. No external resources. */
(function () {
  "use strict";
  var MAX_SIDE = 1280, QUALITY = 0.7;

  function locate(form) {
    var status = form.querySelector("[data-location-status]");
    var reason = form.querySelector("[data-location-reason]");
    var lat = form.querySelector("input[name=latitude]");
    var lon = form.querySelector("input[name=longitude]");
    function failed(text) {
      status.textContent = text + "。请在手机设置中允许本页面使用位置信息，或在下面填写无法定位的原因。";
      status.className = "text-danger";
      reason.hidden = false;
    }
    if (!("geolocation" in navigator)) { failed("此手机浏览器不支持定位"); return; }
    status.textContent = "正在定位……";
    navigator.geolocation.getCurrentPosition(function (position) {
      lat.value = position.coords.latitude.toFixed(6);
      lon.value = position.coords.longitude.toFixed(6);
      status.textContent = "已定位（精度约 " + Math.round(position.coords.accuracy) + " 米）";
      status.className = "text-success";
    }, function () { failed("未能取得定位"); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 });
  }

  function compress(input) {
    var file = input.files && input.files[0];
    var note = input.form.querySelector("[data-photo-status]");
    if (!file || !/^image\//.test(file.type) || !window.DataTransfer) { return; }
    var image = new Image();
    image.onload = function () {
      var scale = Math.min(1, MAX_SIDE / Math.max(image.width, image.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(image.width * scale));
      canvas.height = Math.max(1, Math.round(image.height * scale));
      canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) {
        URL.revokeObjectURL(image.src);
        if (!blob || blob.size >= file.size) { note.textContent = "照片已选择"; return; }
        var transfer = new DataTransfer();
        transfer.items.add(new File([blob], "photo.jpg", { type: "image/jpeg" }));
        input.files = transfer.files;
        note.textContent = "照片已压缩（" + Math.round(blob.size / 1024) + " KB）";
      }, "image/jpeg", QUALITY);
    };
    image.onerror = function () { note.textContent = "照片已选择"; };
    image.src = URL.createObjectURL(file);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-evv]").forEach(function (form) {
      locate(form);
      form.querySelector("[data-relocate]").addEventListener("click", function () { locate(form); });
      var photo = form.querySelector("input[type=file]");
      photo.addEventListener("change", function () { compress(photo); });
      form.addEventListener("submit", function (event) {
        var hasPlace = form.querySelector("input[name=latitude]").value;
        var reason = form.querySelector("input[name=location_reason]");
        var status = form.querySelector("[data-location-status]");
        if (!hasPlace && !reason.value.trim()) {
          event.preventDefault();
          form.querySelector("[data-location-reason]").hidden = false;
          status.textContent = "尚未取得定位：请允许定位后点“重新定位”，或填写无法定位的原因。";
          status.className = "text-danger";
        }
      });
    });
  });
})();
