// lenetlab's drawing page: draw, upload or pick a test digit, and show what LeNet-5 reads.
//
// Everything goes through the JSON API the README documents: the pad is sent
// as a PNG to POST api/predict when a stroke ends and every LIVE_INTERVAL_MS
// while drawing; one request is in flight at a time and only the newest
// waiting one is sent next, so a slow network never piles requests up.

"use strict";

const LIVE_INTERVAL_MS = 150;
const INK = "#111111";
const PAPER = "#ffffff";
const UPLOAD_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif", "image/bmp", "image/tiff"];

const byId = (id) => document.getElementById(id);
const pad = byId("pad");
const context = pad.getContext("2d");
const brush = byId("brush");

// ---- drawing: strokes are kept so that undo can repaint without the last one ----

const strokes = []; // each {size, points: [[x, y], ...]} in canvas pixels
let stroke = null; // the stroke being drawn
let liveTimer = null;

function paint() {
  context.fillStyle = PAPER;
  context.fillRect(0, 0, pad.width, pad.height);
  for (const each of strokes) {
    drawSegment(each, 0);
  }
}

// Draw `each` from its point `from` on; a stroke of one point is a dot.
function drawSegment(each, from) {
  const points = each.points;
  context.strokeStyle = INK;
  context.fillStyle = INK;
  context.lineWidth = each.size;
  context.lineCap = "round";
  context.lineJoin = "round";
  if (points.length === 1) {
    context.beginPath();
    context.arc(points[0][0], points[0][1], each.size / 2, 0, 2 * Math.PI);
    context.fill();
    return;
  }
  context.beginPath();
  const start = Math.max(0, from - 1);
  context.moveTo(points[start][0], points[start][1]);
  for (let i = start + 1; i < points.length; i++) {
    context.lineTo(points[i][0], points[i][1]);
  }
  context.stroke();
}

function padPoint(event) {
  const box = pad.getBoundingClientRect();
  return [
    ((event.clientX - box.left) * pad.width) / box.width,
    ((event.clientY - box.top) * pad.height) / box.height,
  ];
}

pad.addEventListener("pointerdown", (event) => {
  if (event.pointerType === "mouse" && event.button !== 0) return;
  event.preventDefault();
  if (showingSource()) {
    hideSource();
    strokes.length = 0;
    paint();
  }
  pad.setPointerCapture(event.pointerId);
  stroke = { size: Number(brush.value), points: [padPoint(event)] };
  strokes.push(stroke);
  drawSegment(stroke, 0);
  sendLiveSoon();
});

pad.addEventListener("pointermove", (event) => {
  if (!stroke) return;
  const from = stroke.points.length;
  const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
  for (const each of events.length ? events : [event]) {
    stroke.points.push(padPoint(each));
  }
  drawSegment(stroke, from);
  sendLiveSoon();
});

function endStroke() {
  if (!stroke) return;
  stroke = null;
  clearTimeout(liveTimer);
  liveTimer = null;
  sendPad();
}

pad.addEventListener("pointerup", endStroke);
pad.addEventListener("pointercancel", endStroke);

// While drawing, send at most once per LIVE_INTERVAL_MS.
function sendLiveSoon() {
  if (liveTimer !== null) return;
  liveTimer = setTimeout(() => {
    liveTimer = null;
    if (stroke) sendPad();
  }, LIVE_INTERVAL_MS);
}

function undo() {
  if (showingSource()) {
    hideSource();
  } else if (strokes.length) {
    strokes.pop();
  }
  paint();
  sendPad();
}

function clearPad() {
  hideSource();
  strokes.length = 0;
  paint();
  sendPad();
}

byId("undo").addEventListener("click", undo);
byId("clear").addEventListener("click", clearPad);
brush.addEventListener("input", () => {
  byId("brush-value").textContent = brush.value;
});
document.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") {
    event.preventDefault();
    undo();
  }
});

// ---- requests: one in flight, the newest waiting one next ----

let inFlight = false;
let waiting = null;

// job: {url, method, type, body: () => Promise<Blob|null>, show: (answer) => void}
function submit(job) {
  if (inFlight) {
    waiting = job;
    return;
  }
  run(job);
}

// The result section is aria-busy while answers are on their way.
function setBusy(busy) {
  byId("result").setAttribute("aria-busy", String(busy));
}

async function run(job) {
  inFlight = true;
  setBusy(true);
  const started = performance.now();
  try {
    const body = job.body ? await job.body() : null;
    const options = { method: job.method || "GET" };
    if (body) {
      options.body = body;
      options.headers = { "Content-Type": job.type };
    }
    const response = await fetch(job.url, options);
    const answer = await response.json();
    if (response.ok) {
      job.show(answer);
      setStatus(`read in ${Math.round(performance.now() - started)} ms`);
    } else {
      setStatus(`error ${response.status}: ${answer.error}`, true);
    }
  } catch (error) {
    setStatus(`could not reach the server (${error.message})`, true);
  } finally {
    inFlight = false;
    if (waiting) {
      const next = waiting;
      waiting = null;
      run(next);
    } else {
      setBusy(false);
    }
  }
}

function sendPad() {
  submit({
    url: "api/predict",
    method: "POST",
    type: "image/png",
    body: async () => padPng(),
    show: showPrediction,
  });
}

// The pad as PNG bytes. Encoded at once with toDataURL: Chromium runs toBlob's
// encoder in idle time, which never comes while a finger is moving, and then
// only after a second's wait.
function padPng() {
  const base64 = pad.toDataURL("image/png").split(",", 2)[1];
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    bytes[i] = text.charCodeAt(i);
  }
  return new Blob([bytes], { type: "image/png" });
}

function setStatus(text, isError = false) {
  const status = byId("status");
  status.textContent = text;
  status.classList.toggle("error", isError);
}

// ---- uploads and test digits: shown over the pad until the next stroke ----

function showSource(src, caption) {
  const image = byId("source-image");
  image.hidden = false;
  image.onerror = () => {
    image.hidden = true; // e.g. a TIFF, which the server reads but the browser cannot show
  };
  image.src = src;
  byId("source-caption").textContent = caption;
  byId("source").hidden = false;
}

function hideSource() {
  const image = byId("source-image");
  if (image.src.startsWith("blob:")) URL.revokeObjectURL(image.src);
  image.removeAttribute("src");
  byId("source").hidden = true;
}

function showingSource() {
  return !byId("source").hidden;
}

function upload(file) {
  if (!file) return;
  hideSource();
  strokes.length = 0;
  paint();
  showSource(URL.createObjectURL(file), `Uploaded: ${file.name}`);
  submit({
    url: "api/predict",
    method: "POST",
    type: UPLOAD_TYPES.includes(file.type) ? file.type : "application/octet-stream",
    body: async () => file,
    show: showPrediction,
  });
}

byId("upload").addEventListener("change", (event) => {
  upload(event.target.files[0]);
  event.target.value = ""; // the same file can be chosen again
});

const dropZone = byId("drop-zone");
dropZone.addEventListener("dragover", (event) => {
  event.preventDefault();
  dropZone.classList.add("dragging");
});
dropZone.addEventListener("dragleave", () => dropZone.classList.remove("dragging"));
dropZone.addEventListener("drop", (event) => {
  event.preventDefault();
  dropZone.classList.remove("dragging");
  upload(event.dataTransfer.files[0]);
});
// a file dropped beside the pad must not make the browser leave the page
window.addEventListener("dragover", (event) => event.preventDefault());
window.addEventListener("drop", (event) => event.preventDefault());

byId("random").addEventListener("click", () => {
  submit({
    url: "api/random-digit",
    show: (sample) => {
      strokes.length = 0;
      paint();
      showSource(sample.image, `MNIST test digit #${sample.index}, labelled ${sample.label}`);
      showPrediction(sample.prediction);
    },
  });
});

// ---- showing an answer ----

const bars = []; // one {row, fill, percent} per class

function buildBars() {
  const list = byId("bars");
  for (let digit = 0; digit < 10; digit++) {
    const row = document.createElement("li");
    const label = document.createElement("span");
    label.textContent = String(digit);
    const track = document.createElement("span");
    track.className = "track";
    const fill = document.createElement("span");
    fill.className = "fill";
    fill.style.display = "block";
    track.append(fill);
    const percent = document.createElement("span");
    percent.className = "percent";
    percent.textContent = "–";
    row.append(label, track, percent);
    list.append(row);
    bars.push({ row, fill, percent });
  }
}

function showBars(probabilities) {
  const top = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : -1;
  bars.forEach((bar, digit) => {
    const p = probabilities ? probabilities[digit] : 0;
    bar.fill.style.width = `${(100 * p).toFixed(1)}%`;
    bar.percent.textContent = probabilities ? `${(100 * p).toFixed(1)}%` : "–";
    bar.row.classList.toggle("top", digit === top);
  });
}

function showPrediction(answer) {
  const shown = byId("answer");
  shown.textContent = answer.empty ? answer.message : answer.number;
  shown.classList.toggle("empty", answer.empty);

  const list = byId("digit-list");
  list.replaceChildren();
  list.hidden = answer.digits.length < 2;
  if (answer.digits.length >= 2) {
    answer.digits.forEach((digit, index) => list.append(digitCard(answer, index)));
  }
  showDigit(answer.digits[0] || null, answer.digits.length);
}

function digitCard(answer, index) {
  const digit = answer.digits[index];
  const item = document.createElement("li");
  const button = document.createElement("button");
  button.type = "button";
  button.setAttribute("aria-pressed", String(index === 0));
  button.setAttribute("aria-label", `digit ${index + 1}: ${digit.digit}`);
  const image = document.createElement("img");
  image.src = digit.input;
  image.alt = "";
  const label = document.createElement("span");
  label.textContent = String(digit.digit);
  button.append(image, label);
  button.addEventListener("click", () => {
    for (const other of byId("digit-list").querySelectorAll("button")) {
      other.setAttribute("aria-pressed", String(other === button));
    }
    showDigit(digit, answer.digits.length, index);
  });
  item.append(button);
  return item;
}

// One digit's probabilities, input and maps; `count` digits were found in all.
function showDigit(digit, count, index = 0) {
  byId("bars-which").textContent = count > 1 ? ` of digit ${index + 1} of ${count}` : "";
  showBars(digit ? digit.probabilities : null);

  const input = byId("network-input");
  input.hidden = !digit;
  byId("network-input-empty").hidden = Boolean(digit);
  if (digit) input.src = digit.input;
  else input.removeAttribute("src");

  for (const layer of ["conv1", "conv2"]) {
    const image = byId(`maps-${layer}`);
    const caption = byId(`maps-${layer}-caption`);
    const maps = digit && digit.feature_maps ? digit.feature_maps[layer] : null;
    image.hidden = !maps;
    if (maps) {
      image.src = maps.image;
      const [height, width] = maps.size;
      caption.textContent =
        `${layer}: ${maps.channels} maps of ${height}×${width}, ` +
        `black 0 to brightest ${maps.max.toFixed(2)}`;
    } else {
      image.removeAttribute("src");
      caption.textContent = `${layer} feature maps`;
    }
  }
}

// ---- start ----

async function showInfo() {
  try {
    const response = await fetch("api/info");
    const info = await response.json();
    const accuracy = info.test_accuracy ?? info.val_accuracy;
    const which = info.test_accuracy != null ? "test" : "validation";
    const parts = [`LeNet-5 (${info.arch}) trained on ${info.dataset} with ${info.rule}`];
    if (accuracy != null) parts.push(`${which} accuracy ${(100 * accuracy).toFixed(2)}%`);
    byId("model-info").textContent = parts.join(", ") + ".";
    const random = byId("random");
    random.disabled = !info.random_digits;
    if (!info.random_digits) random.title = info.random_digits_reason || "";
  } catch (error) {
    setStatus(`could not reach the server (${error.message})`, true);
  }
}

buildBars();
paint();
showPrediction({ empty: true, message: "nothing drawn", digits: [], number: null });
showInfo();
