window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var failed = images.filter(function (img) { return !(img.complete && img.naturalWidth > 0); });
  var out = document.getElementById("self-check");
  out.setAttribute("data-images", String(images.length));
  out.setAttribute("data-failed", String(failed.length));
  function images_(n) { return n + (n === 1 ? " image" : " images"); }
  if (failed.length === 0) {
    out.textContent = "all " + images_(images.length) + " loaded";
    out.className = "ok";
  } else {
    out.textContent = images_(failed.length) + " failed: " +
      failed.map(function (img) { return img.alt; }).join(", ");
    out.className = "bad";
  }
});
