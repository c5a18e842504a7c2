// The designer page: a form made from the profile's JSON Schema (every input named by
// its profile key path), a live three.js view of the coarse preview build, the
// server's refusals and warnings beside the fields they name, downloads of the exact
// build. No network beyond this server: three.js ships with the package.
import * as THREE from "three";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";

const SECTIONS = ["patient", "foot", "shape", "lift", "modifications", "zones", "shoe", "pressure", "print",
                  "left", "right"];
const OPEN = new Set(["foot", "shape"]);
const LANDMARKS = { heel_centre: "heel centre", heel_cup_rim: "heel cup rim", arch_apex: "arch apex",
                    met_pad_apex: "met pad apex", metatarsal_heads: "metatarsal heads" };
const DEBOUNCE_MS = 60;

const form = document.getElementById("profile");
const statusLine = document.getElementById("status");
const timing = { changedAt: null, drawnAt: null, ms: null, previews: 0 };
window.insolegen = { timing, lastHeights: {} };

let schema = null;

function resolve(node) {
  if (!node) return node;
  if (node.$ref) return resolve(schema.$defs[node.$ref.split("/").pop()]);
  if (node.anyOf) {
    const real = node.anyOf.filter((n) => n.type !== "null");
    if (real.length === 1) return { ...resolve(real[0]), default: node.default, description: node.description };
    return { ...node, type: "union", options: real.map(resolve) };
  }
  return node;
}

function fieldFor(path, prop) {
  const node = resolve(prop);
  const wrap = document.createElement("div");
  wrap.className = "field";
  const label = document.createElement("label");
  label.textContent = path.split(".").pop().replaceAll("_", " ");
  label.htmlFor = "in-" + path;
  let input;
  const enumValues = node.enum || (node.const !== undefined ? [node.const] : null);
  if (enumValues) {
    input = document.createElement("select");
    input.append(new Option(node.default !== undefined && node.default !== null ? `(${node.default})` : "", ""));
    for (const v of enumValues) input.append(new Option(String(v), String(v)));
  } else if (node.type === "boolean") {
    input = document.createElement("select");
    input.append(new Option(node.default !== undefined && node.default !== null ? `(${node.default})` : "", ""));
    input.append(new Option("true", "true"));
    input.append(new Option("false", "false"));
    input.dataset.kind = "boolean";
  } else if (node.type === "number" || node.type === "integer") {
    input = document.createElement("input");
    input.type = "number";
    input.step = node.type === "integer" ? "1" : "any";
    if (node.minimum !== undefined) input.min = node.minimum;
    if (node.maximum !== undefined) input.max = node.maximum;
    input.dataset.kind = node.type;
  } else if (node.type === "array") {
    input = document.createElement("input");
    input.type = "text";
    input.dataset.kind = "array";
    input.placeholder = "comma-separated";
  } else {
    input = document.createElement("input");
    input.type = "text";
    if (node.type === "union") input.dataset.kind = "union";
  }
  input.name = path;
  input.id = "in-" + path;
  if (node.default !== undefined && node.default !== null && input.tagName === "INPUT") {
    input.placeholder = Array.isArray(node.default) ? node.default.join(", ") : String(node.default);
  }
  wrap.append(label, input);
  const help = [];
  if (prop["x-unit"] || node["x-unit"]) help.push(prop["x-unit"] || node["x-unit"]);
  if (node.minimum !== undefined || node.maximum !== undefined) help.push(`${node.minimum ?? ""} to ${node.maximum ?? ""}`);
  const description = prop.description || node.description;
  if (description) help.unshift(description);
  if (help.length) {
    const h = document.createElement("span");
    h.className = "help";
    h.textContent = help.join("; ");
    wrap.append(h);
    input.title = h.textContent;
  }
  const msg = document.createElement("span");
  msg.className = "msg";
  msg.dataset.for = path;
  wrap.append(msg);
  return wrap;
}

function section(name, node, prefix) {
  const table = resolve(node);
  const box = document.createElement("fieldset");
  const legend = document.createElement("legend");
  legend.textContent = name;
  box.append(legend);
  const details = document.createElement("details");
  details.open = OPEN.has(name);
  const summary = document.createElement("summary");
  summary.textContent = name === "left" || name === "right" ? `${name} side only` : name;
  details.append(summary);
  for (const [key, prop] of Object.entries(table.properties || {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    const inner = resolve(prop);
    if (inner && inner.type === "object" && inner.properties) {
      details.append(section(key, prop, path));
    } else if (inner && inner.type === "array" && inner.items && resolve(inner.items).type === "object") {
      continue; // [[zones.custom]]: in a loaded TOML only
    } else {
      details.append(fieldFor(path, prop));
    }
  }
  box.append(details);
  return box;
}

function buildForm() {
  const top = document.createElement("fieldset");
  const legend = document.createElement("legend");
  legend.textContent = "profile";
  top.append(legend);
  for (const key of ["name", "side"]) top.append(fieldFor(key, schema.properties[key]));
  form.append(top);
  for (const name of SECTIONS) if (schema.properties[name]) form.append(section(name, schema.properties[name], name));
  form.elements["foot.size"].value = "EU 42";
}

function valueOf(input) {
  const text = input.value.trim();
  if (text === "") return undefined;
  switch (input.dataset.kind) {
    case "number": return Number(text);
    case "integer": return Number.parseInt(text, 10);
    case "boolean": return text === "true";
    case "array": return text.split(/[,\s]+/).filter(Boolean).map((v) => (Number.isNaN(Number(v)) ? v : Number(v)));
    case "union": return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
    default: return text;
  }
}

let extra = {}; // what a loaded TOML holds that the form has no input for ([[zones.custom]])

function collect() {
  const profile = structuredClone(extra);
  for (const input of form.elements) {
    if (!input.name) continue;
    const value = valueOf(input);
    if (value === undefined) continue;
    const parts = input.name.split(".");
    let node = profile;
    for (const p of parts.slice(0, -1)) node = node[p] ??= {};
    node[parts.at(-1)] = value;
  }
  return profile;
}

function fill(profile) {
  for (const input of form.elements) if (input.name) input.value = "";
  extra = {};
  const walk = (node, prefix) => {
    for (const [key, value] of Object.entries(node)) {
      const path = prefix ? `${prefix}.${key}` : key;
      const input = form.elements[path];
      if (input && input.name === path) {
        input.value = Array.isArray(value) ? value.join(", ") : String(value);
      } else if (value && typeof value === "object" && !Array.isArray(value)) {
        walk(value, path);
      } else {
        let target = extra;
        const parts = path.split(".");
        for (const p of parts.slice(0, -1)) target = target[p] ??= {};
        target[parts.at(-1)] = value;
      }
    }
  };
  walk(profile, "");
}

function clearMessages() {
  for (const m of form.querySelectorAll(".msg")) { m.textContent = ""; m.className = "msg"; }
  for (const f of form.querySelectorAll(".field.invalid")) f.classList.remove("invalid");
  document.getElementById("messages").replaceChildren();
}

function place(key, text, kind) {
  // the field the message names, or its nearest named parent, else the general box
  let span = null;
  if (key) {
    const parts = key.replace(/\[\d+\]$/, "").split(".");
    while (parts.length && !span) {
      span = form.querySelector(`.msg[data-for="${CSS.escape(parts.join("."))}"]`);
      parts.pop();
    }
  }
  if (!span) {
    span = document.createElement("span");
    document.getElementById("messages").append(span);
  } else if (kind === "error") {
    span.closest(".field")?.classList.add("invalid");
  }
  span.className = `msg ${kind}`;
  span.textContent = span.textContent ? `${span.textContent} ${text}` : text;
}

function keyIn(text) {
  const match = text.match(/(?:^|\s|\()((?:[a-z_]+\.)+[a-z_0-9]+)/);
  return match ? match[1] : null;
}

// --- the 3D view -------------------------------------------------------------------------

const view = document.getElementById("view");
const renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
renderer.setPixelRatio(window.devicePixelRatio || 1);
view.append(renderer.domElement);
const scene = new THREE.Scene();
scene.background = new THREE.Color(0xf4f6f8);
const camera = new THREE.PerspectiveCamera(35, 1, 1, 5000);
camera.up.set(0, 0, 1);
camera.position.set(130, -420, 330);
const controls = new OrbitControls(camera, renderer.domElement);
controls.target.set(130, 0, 0);
scene.add(new THREE.HemisphereLight(0xffffff, 0x777777, 1.6));
const sun = new THREE.DirectionalLight(0xffffff, 1.0);
sun.position.set(100, -200, 400);
scene.add(sun);
let model = null;
const markers = new THREE.Group();
scene.add(markers);

function resize() {
  const w = view.clientWidth || 640;
  const h = view.clientHeight || 480;
  renderer.setSize(w, h, false);
  camera.aspect = w / h;
  camera.updateProjectionMatrix();
  renderer.render(scene, camera);
}
window.addEventListener("resize", resize);
controls.addEventListener("change", () => renderer.render(scene, camera));

function frame(object) {
  // the whole model in view, seen from the front and above (z up)
  const box = new THREE.Box3().setFromObject(object);
  const centre = box.getCenter(new THREE.Vector3());
  const size = box.getSize(new THREE.Vector3()).length();
  controls.target.copy(centre);
  camera.position.set(centre.x - 0.15 * size, centre.y - 0.75 * size, centre.z + 0.75 * size);
  camera.near = size / 100;
  camera.far = size * 10;
  camera.updateProjectionMatrix();
  controls.update();
}

function show(glbBase64, sides) {
  const bytes = Uint8Array.from(atob(glbBase64), (c) => c.charCodeAt(0));
  new GLTFLoader().parse(bytes.buffer, "", (gltf) => {
    if (model) {
      scene.remove(model);
      model.traverse((o) => { o.geometry?.dispose(); o.material?.dispose?.(); });
    }
    const first = model === null;
    model = gltf.scene;
    model.traverse((o) => {
      if (o.isMesh) {
        o.material = new THREE.MeshStandardMaterial({ vertexColors: true, roughness: 0.85, metalness: 0.0,
                                                      side: THREE.DoubleSide });
      }
    });
    scene.add(model);
    if (first) frame(model);
    markers.clear();
    const rows = {};
    for (const side of sides) {
      for (const [name, p] of Object.entries(side.heights)) {
        const dot = new THREE.Mesh(new THREE.SphereGeometry(2.2, 12, 8), new THREE.MeshBasicMaterial({ color: 0x111111 }));
        dot.position.set(p.x, p.y, p.z + 0.5);
        dot.userData = { text: `${side.side} ${LANDMARKS[name] || name}: ${p.z.toFixed(1)} mm` };
        markers.add(dot);
        (rows[name] ??= {})[side.side] = p.z;
      }
    }
    window.insolegen.lastHeights = rows;
    const body = document.querySelector("#heights tbody");
    body.replaceChildren();
    for (const [name, bySide] of Object.entries(rows)) {
      const tr = document.createElement("tr");
      tr.innerHTML = `<td>${LANDMARKS[name] || name}</td>`;
      for (const s of ["left", "right"]) {
        const td = document.createElement("td");
        td.id = `h-${s}-${name}`;
        td.textContent = bySide[s] !== undefined ? bySide[s].toFixed(1) : "";
        tr.append(td);
      }
      body.append(tr);
    }
    renderer.render(scene, camera);
    requestAnimationFrame(() => {
      timing.drawnAt = performance.now();
      if (timing.changedAt !== null) timing.ms = timing.drawnAt - timing.changedAt;
      timing.previews += 1;
      document.body.dataset.previews = String(timing.previews);
    });
  }, (err) => place(null, `the view could not read the mesh: ${err}`, "error"));
}

const tooltip = document.getElementById("tooltip");
const ray = new THREE.Raycaster();
renderer.domElement.addEventListener("pointermove", (event) => {
  const box = renderer.domElement.getBoundingClientRect();
  const at = new THREE.Vector2(((event.clientX - box.left) / box.width) * 2 - 1,
                               -((event.clientY - box.top) / box.height) * 2 + 1);
  ray.setFromCamera(at, camera);
  const hit = ray.intersectObjects(markers.children)[0];
  if (hit) {
    tooltip.hidden = false;
    tooltip.textContent = hit.object.userData.text;
    tooltip.style.left = `${event.clientX - box.left + 12}px`;
    tooltip.style.top = `${event.clientY - box.top + 12}px`;
  } else {
    tooltip.hidden = true;
  }
});

// --- talking to the server -----------------------------------------------------------------

let pending = null;
let inFlight = false;
let again = false;

async function preview() {
  if (inFlight) { again = true; return; }
  inFlight = true;
  try {
    const response = await fetch("/api/preview", { method: "POST", headers: { "Content-Type": "application/json" },
                                                   body: JSON.stringify({ profile: collect(), colour: colourMode.value }) });
    const answer = await response.json();
    clearMessages();
    if (!response.ok) {
      for (const p of answer.problems || []) place(p.key, p.message, "error");
      statusLine.textContent = "refused: see the messages";
      timing.drawnAt = performance.now();
      document.body.dataset.refusals = String(Number(document.body.dataset.refusals || 0) + 1);
    } else {
      for (const w of answer.warnings || []) place(keyIn(w), w, "warning");
      show(answer.glb, answer.sides);
      showLegend(answer.legend);
      statusLine.textContent = answer.sides.map((s) => `${s.side}: ${s.triangles} triangles (preview)`).join(", ");
    }
  } catch (err) {
    place(null, `the server did not answer: ${err}`, "error");
  } finally {
    inFlight = false;
    if (again) { again = false; preview(); }
  }
}

// the view's colours: the zones, the stiffness of the column under the foot or the predicted pressure, with its scale
const colourMode = document.getElementById("colour-mode");
colourMode.addEventListener("change", () => preview());

function showLegend(legend) {
  const box = document.getElementById("legend");
  box.hidden = !legend;
  if (!legend) return;
  document.getElementById("legend-lo").textContent = String(legend.lo);
  document.getElementById("legend-hi").textContent = String(legend.hi);
  document.getElementById("legend-label").textContent = `${legend.label}, ${legend.scale}`;
  const stops = legend.stops.map((c, i) => `rgb(${c.join(",")}) ${(100 * i / (legend.stops.length - 1)).toFixed(0)}%`);
  document.getElementById("legend-bar").style.background = `linear-gradient(to right, ${stops.join(", ")})`;
}

form.addEventListener("input", () => {
  timing.changedAt = performance.now();
  clearTimeout(pending);
  pending = setTimeout(preview, DEBOUNCE_MS);
});

document.getElementById("build").addEventListener("click", async () => {
  statusLine.textContent = "building…";
  const response = await fetch("/api/build", { method: "POST", headers: { "Content-Type": "application/json" },
                                               body: JSON.stringify({ profile: collect() }) });
  const answer = await response.json();
  const box = document.getElementById("downloads");
  box.replaceChildren();
  if (!response.ok) {
    clearMessages();
    for (const p of answer.problems || []) place(p.key, p.message, "error");
    statusLine.textContent = "refused: see the messages";
    return;
  }
  for (const [name, url] of Object.entries(answer.files)) {
    if (name === "preview.png") continue;
    const a = document.createElement("a");
    a.href = url;
    a.textContent = name;
    a.download = name;
    a.className = "download";
    box.append(a);
  }
  statusLine.textContent = `built: ${answer.record.sides.map((s) => `${s.side} ${s.triangles} triangles`).join(", ")}`;
});

document.getElementById("load-toml").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  const response = await fetch("/api/parse", { method: "POST", headers: { "Content-Type": "application/json" },
                                               body: JSON.stringify({ profile: await file.text() }) });
  const answer = await response.json();
  clearMessages();
  if (!response.ok) {
    for (const p of answer.problems || []) place(p.key, p.message, "error");
    return;
  }
  fill(answer.profile);
  timing.changedAt = performance.now();
  preview();
});

const FOOT_FILES = ["foot.outline", "foot.scan", "foot.image"];  // one of them names the foot

for (const id of ["upload-outline", "upload-scan", "upload-picture", "upload-pressure"]) {
  const input = document.getElementById(id);
  input.addEventListener("change", async () => {
    const file = input.files[0];
    if (!file) return;
    const body = new FormData();
    body.append("file", file);
    const response = await fetch("/api/upload", { method: "POST", body });
    const answer = await response.json();
    if (!response.ok) { place(input.dataset.key, answer.error, "error"); return; }
    if (FOOT_FILES.includes(input.dataset.key)) {
      for (const key of FOOT_FILES) if (key !== input.dataset.key && form.elements[key]) form.elements[key].value = "";
    }
    form.elements[input.dataset.key].value = answer.file;
    timing.changedAt = performance.now();
    preview();
  });
}

schema = await (await fetch("/api/schema")).json();
buildForm();
resize();
statusLine.textContent = "ready";
preview();
