// The "Try it yourself" page (try.html, helpers/build/try_page.py): the drawing pad, the sliders, both
// networks' answers and first layers, the line from part 11's measurements, and part 14's maps drawn with
// ECharts. The pipeline itself (digit, distortions, forward pass) is assets/try-networks.js. For the browser
// tests and the curious, `TryIt` holds the page's state and sets its digit as the start buttons do.
(() => {
  const { SIZE } = TryNetworks;
  const page = JSON.parse(document.getElementById("try-page").textContent);
  const networks = Object.entries(window.TRY_NETWORKS).map(([name, exported]) => [name, TryNetworks.load(exported)]);
  const pad = document.querySelector(".try-pad");
  const context = pad.getContext("2d", { willReadFrequently: true });
  const sliders = [...document.querySelectorAll(".try-slider input")];
  const state = { source: new Float64Array(SIZE * SIZE), settings: {}, image: null, answers: {} };
  const TAB10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

  // --- drawing: white ink on black, a round pen about two MNIST pixels wide once the digit is fitted -------
  const PEN = 26;
  function clearPad() {
    context.fillStyle = "#000";
    context.fillRect(0, 0, pad.width, pad.height);
  }

  function padInk() {
    const { data } = context.getImageData(0, 0, pad.width, pad.height);
    const ink = new Float64Array(pad.width * pad.height);
    for (let i = 0; i < ink.length; i++) ink[i] = data[4 * i] / 255;
    return ink;
  }

  function padPoint(event) {
    const box = pad.getBoundingClientRect();
    return [((event.clientX - box.left) * pad.width) / box.width, ((event.clientY - box.top) * pad.height) / box.height];
  }

  let pen = null; // where the pen is while it touches the pad
  function stroke(to) {
    context.strokeStyle = context.fillStyle = "#fff";
    context.lineWidth = PEN;
    context.lineCap = context.lineJoin = "round";
    context.beginPath();
    context.moveTo(...(pen || to));
    context.lineTo(...to);
    context.stroke();
    pen = to;
    state.source = TryNetworks.fromInk(padInk(), pad.width, pad.height);
    schedule();
  }
  pad.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    pad.setPointerCapture(event.pointerId);
    pen = null;
    stroke(padPoint(event));
  });
  pad.addEventListener("pointermove", (event) => pen && stroke(padPoint(event)));
  for (const end of ["pointerup", "pointercancel"]) pad.addEventListener(end, () => (pen = null));

  // A digit (784 values, 0-255) as the page's digit, shown on the pad at ten times its size.
  function setSource(pixels) {
    state.source = Float64Array.from(pixels, (v) => v / 255);
    const small = document.createElement("canvas");
    small.width = small.height = SIZE;
    const image = small.getContext("2d").createImageData(SIZE, SIZE);
    state.source.forEach((v, i) => {
      image.data.set([255 * v, 255 * v, 255 * v, 255], 4 * i);
    });
    small.getContext("2d").putImageData(image, 0, 0);
    clearPad();
    context.imageSmoothingEnabled = true;
    context.drawImage(small, 0, 0, pad.width, pad.height);
    update();
  }
  const bytes = (base64) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  document.querySelectorAll(".try-starter").forEach((button) =>
    button.addEventListener("click", () => setSource(bytes(page.starters[button.dataset.index].pixels))),
  );
  document.querySelector(".try-clear").addEventListener("click", () => {
    clearPad();
    state.source = new Float64Array(SIZE * SIZE);
    update();
  });

  // --- the sliders and the line from part 11 -----------------------------------------------------------
  const FORMATS = { dx: (v) => `${v} px`, dy: (v) => `${v} px`, degrees: (v) => `${v}°`, scale: (v) => `×${v.toFixed(2)}`, noise: (v) => `σ ${v.toFixed(2)}` };
  function readSliders() {
    for (const slider of sliders) {
      const value = Number(slider.value);
      state.settings[slider.name] = value;
      slider.nextElementSibling.textContent = FORMATS[slider.name](value);
    }
  }
  sliders.forEach((slider) => slider.addEventListener("input", schedule));
  document.querySelector(".try-reset").addEventListener("click", () => {
    sliders.forEach((slider) => (slider.value = slider.defaultValue));
    update();
  });

  function where(dx, dy) {
    const parts = [dx && `${Math.abs(dx)} px ${dx > 0 ? "right" : "left"}`, dy && `${Math.abs(dy)} px ${dy > 0 ? "down" : "up"}`];
    return parts.filter(Boolean).join(" and ") || "not shifted";
  }

  function measuredLine({ dx, dy }) {
    const measured = page.shifts;
    if (!measured) return "";
    const [row, column] = [measured.shifts.indexOf(dy), measured.shifts.indexOf(dx)];
    if (row < 0 || column < 0) {
      return `Part 11 measured shifts of up to ${Math.max(...measured.shifts)} px each way; this one is further.`;
    }
    const right = measured.accuracy.map(([name, grid]) => `${name} ${(100 * grid[row][column]).toFixed(1)} %`);
    return (
      `Part 11 shifted ${measured.digits.toLocaleString("en")} test digits like this (${where(dx, dy)}) and ` +
      `measured how many each network still reads right: ${right.join(", ")}.`
    );
  }

  // --- the answers ---------------------------------------------------------------------------------------
  function bars(list, probabilities) {
    if (!list.children.length) {
      for (let digit = 0; digit < 10; digit++) {
        list.insertAdjacentHTML("beforeend", `<li><span>${digit}</span><span class="try-bar"><span></span></span><span class="try-value"></span></li>`);
      }
    }
    const best = probabilities.indexOf(Math.max(...probabilities));
    [...list.children].forEach((item, digit) => {
      item.classList.toggle("try-best", digit === best);
      item.querySelector(".try-bar span").style.width = `${(100 * probabilities[digit]).toFixed(2)}%`;
      item.querySelector(".try-value").textContent = `${(100 * probabilities[digit]).toFixed(1)} %`;
    });
    return best;
  }

  // A layer's output drawn in grey levels, its strongest value white: feature maps side by side, units in rows of 16.
  function activations(box, caption, name, { shape, values }) {
    const maps = shape.length === 3 ? shape[2] : 1;
    const [h, w] = shape.length === 3 ? shape : [Math.ceil(shape[0] / 16), 16];
    if (box.children.length !== maps) {
      box.replaceChildren(...Array.from({ length: maps }, () => Object.assign(document.createElement("canvas"), { width: w, height: h })));
      caption.textContent =
        shape.length === 3
          ? `Its first layer (${name}): ${maps} feature maps of ${h}x${w}, one per filter. Shift the digit: they move with it.`
          : `Its first layer (${name}): ${shape[0]} units, in rows of 16. Shift the digit: other units answer.`;
    }
    const top = Math.max(...values) || 1;
    [...box.children].forEach((canvas, k) => {
      const image = canvas.getContext("2d").createImageData(w, h);
      for (let i = 0; i < h * w; i++) {
        const v = i < values.length / maps ? (255 * values[i * maps + k]) / top : 0;
        image.data.set([v, v, v, 255], 4 * i);
      }
      canvas.getContext("2d").putImageData(image, 0, 0);
    });
  }

  function showImage(canvas, image) {
    const context2d = canvas.getContext("2d");
    const data = context2d.createImageData(SIZE, SIZE);
    image.forEach((v, i) => data.data.set([255 * v, 255 * v, 255 * v, 255], 4 * i));
    context2d.putImageData(data, 0, 0);
  }

  function update() {
    readSliders();
    state.image = TryNetworks.distort(state.source, state.settings);
    showImage(document.querySelector(".try-image"), state.image);
    for (const [name, network] of networks) {
      const panel = document.querySelector(`.try-network[data-network="${name}"]`);
      const { outputs, probabilities } = TryNetworks.run(network, state.image);
      state.answers[name] = probabilities;
      const best = bars(panel.querySelector(".try-bars"), probabilities);
      panel.querySelector(".try-predicted").textContent = String(best);
      const first = network.layers.find((layer) => layer.kernel).name;
      activations(panel.querySelector(".try-activations"), panel.querySelector(".try-activations-caption"), first, outputs[first]);
    }
    document.querySelector(".try-summary").textContent = networks
      .map(([name]) => {
        const p = state.answers[name];
        const best = p.indexOf(Math.max(...p));
        return `${name}: ${best} (${(100 * p[best]).toFixed(0)} %)`;
      })
      .join(" · ");
    document.querySelector(".try-measured").textContent = measuredLine(state.settings);
  }

  let pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      update();
    });
  }

  // --- part 14's maps --------------------------------------------------------------------------------------
  function drawMap(data) {
    document.documentElement.style.setProperty("--try-sprite", `url(${data.sprite})`);
    document.documentElement.style.setProperty("--try-sprite-columns", data.columns);
    const dark = matchMedia("(prefers-color-scheme: dark)").matches;
    const chart = echarts.init(document.querySelector(".try-map"), dark ? "dark" : null, { renderer: "canvas", locale: "EN" });
    addEventListener("resize", () => chart.resize());
    const tip = ([x, y, k]) => {
      const [column, row] = [k % data.columns, Math.floor(k / data.columns)];
      const label = data.label[k];
      const answers = Object.entries(data.answer).map(([name, answer]) => {
        const mark = answer[k] === label ? "" : " ✗";
        return `${name}: <strong>${answer[k]}</strong> (${data.confidence[name][k]} %)${mark}`;
      });
      return (
        `<div class="try-tip"><span class="try-sprite" style="--column:${column};--row:${row}"></span>` +
        `<span>test digit ${data.index[k]}, a <strong>${label}</strong><br>${answers.join("<br>")}</span></div>`
      );
    };
    const show = (name) => {
      const { points, marked } = data.maps[name];
      const classes = Array.from({ length: 10 }, (_, digit) => ({
        name: String(digit),
        type: "scatter",
        symbolSize: 5,
        itemStyle: { color: TAB10[digit], opacity: 0.8 },
        data: points.flatMap(([x, y], k) => (data.label[k] === digit ? [[x, y, k]] : [])),
      }));
      const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
      const labels = classes.map((series, digit) => [median(series.data.map((p) => p[0])), median(series.data.map((p) => p[1])), digit]);
      chart.setOption(
        {
          backgroundColor: "transparent",
          animation: false,
          grid: { left: 8, right: 8, top: 8, bottom: 8 },
          xAxis: { show: false, scale: true },
          yAxis: { show: false, scale: true },
          tooltip: { trigger: "item", triggerOn: "mousemove|click", confine: true, formatter: (p) => tip(p.data) },
          series: [
            ...classes,
            {
              name: "misclassified",
              type: "scatter",
              symbolSize: 11,
              itemStyle: { color: "transparent", borderColor: dark ? "#fff" : "#000", borderWidth: 1.3 },
              data: marked.map((k) => [...points[k], k]),
              z: 3,
            },
            {
              name: "digit labels",
              type: "scatter",
              silent: true,
              symbolSize: 0,
              label: { show: true, formatter: (p) => String(p.data[2]), fontSize: 16, fontWeight: "bold", color: dark ? "#fff" : "#000" },
              data: labels,
              z: 4,
            },
          ],
        },
        true,
      );
      document.querySelectorAll(".try-map-choice button").forEach((b) => b.setAttribute("aria-pressed", String(b.textContent === name)));
      const shown = data.label.length.toLocaleString("en");
      const mapped = data.digits.toLocaleString("en");
      document.querySelector(".try-map-caption").textContent =
        (data.label.length === data.digits
          ? `All ${mapped} test digits part 14 mapped`
          : `${shown} of the ${mapped} test digits part 14 mapped: the first ${data.sample.toLocaleString("en")} and every other one a network gets wrong`) +
        `; ${marked.length} ringed on this map.`;
    };
    const choice = document.querySelector(".try-map-choice");
    for (const name of Object.keys(data.maps)) {
      const button = Object.assign(document.createElement("button"), { type: "button", textContent: name });
      button.addEventListener("click", () => show(name));
      choice.append(button);
    }
    show(Object.keys(data.maps).at(-1));
    return chart;
  }

  clearPad();
  readSliders();
  setSource(bytes(page.starters[0].pixels));
  window.TryIt = { state, setSource, update, map: window.TRY_MAP && drawMap(window.TRY_MAP) };
})();
