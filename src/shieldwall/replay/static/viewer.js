// shieldwall replay viewer: loads data/replay.czml into CesiumJS (no network, no Cesium ion) and
// adds play/pause, a time slider, speed and layer toggles (by threat class, by partner, by layer).
"use strict";

(async function main() {
  const status = document.getElementById("status");
  const state = { classes: {}, partners: {}, layers: {} };
  window.shieldwallReplay = { ready: false, errors: [] };
  try {
    const meta = await (await fetch("data/replay.json")).json();
    const czml = await (await fetch("data/replay.czml")).json();

    Cesium.Ion.defaultAccessToken = undefined;
    const imagery = Cesium.TileMapServiceImageryProvider.fromUrl(
      Cesium.buildModuleUrl("Assets/Textures/NaturalEarthII"));
    const viewer = new Cesium.Viewer("globe", {
      baseLayer: Cesium.ImageryLayer.fromProviderAsync(imagery),
      baseLayerPicker: false,
      geocoder: false,
      homeButton: false,
      sceneModePicker: false,
      navigationHelpButton: false,
      fullscreenButton: false,
      projectionPicker: false,
      infoBox: true,
      selectionIndicator: true,
      skyBox: false,
      shouldAnimate: false,
    });
    // The moon and sun need Earth orientation tables (IAU2006_XYS) that are not shipped; not needed here.
    viewer.scene.moon = viewer.scene.moon && viewer.scene.moon.destroy();
    viewer.scene.sun = viewer.scene.sun && viewer.scene.sun.destroy();
    viewer.scene.globe.enableLighting = false;
    viewer.scene.fog.enabled = false;

    const source = await Cesium.CzmlDataSource.load(czml);
    await viewer.dataSources.add(source);
    const clock = viewer.clock;
    clock.shouldAnimate = false;
    const e = meta.extent_deg;
    // Widen the view to the west so that the control panel does not hide the western end.
    const west = e.west - 0.3 * (e.east - e.west);
    viewer.camera.setView({ destination: Cesium.Rectangle.fromDegrees(west, e.south, e.east, e.north) });

    document.getElementById("title").textContent =
      `${meta.scenario}, run ${meta.run}` + (meta.viewer ? ` (view of ${meta.viewer})` : "");
    if (meta.report) {
      document.getElementById("links").innerHTML = "";
      const a = document.createElement("a");
      a.href = meta.report; a.textContent = "after-action report"; a.target = "_blank";
      document.getElementById("links").appendChild(a);
    }

    // Layer toggles --------------------------------------------------------------------------
    function toggle(containerId, group, key, label, colour) {
      state[group][key] = true;
      const wrap = document.createElement("label");
      wrap.className = "toggle";
      const box = document.createElement("input");
      box.type = "checkbox"; box.checked = true; box.dataset.group = group; box.dataset.key = key;
      box.addEventListener("change", () => { state[group][key] = box.checked; applyFilters(); });
      wrap.appendChild(box);
      if (colour) {
        const sw = document.createElement("span");
        sw.className = "swatch"; sw.style.background = colour;
        wrap.appendChild(sw);
      }
      wrap.appendChild(document.createTextNode(label));
      document.getElementById(containerId).appendChild(wrap);
    }
    for (const c of meta.classes) toggle("classes", "classes", c.label, c.label, c.colour);
    for (const p of meta.partners) toggle("partners", "partners", p.label, p.label, p.colour);
    const layerNames = { threat: "threats and trails", impact: "impacts", shot: "interceptor fly-outs",
      intercept: "intercept points", unit: "fire units", sensor: "sensors and coverage", asset: "defended assets" };
    for (const [key, label] of Object.entries(layerNames)) toggle("layers", "layers", key, label, null);

    const entities = source.entities.values;
    const now = () => clock.currentTime;
    function prop(entity, name) {
      return entity.properties && entity.properties[name] ? entity.properties[name].getValue(now()) : "";
    }
    const tags = entities.map((entity) => ({
      entity, layer: prop(entity, "layer"), partner: prop(entity, "partner"), klass: prop(entity, "threatClass"),
    }));
    function applyFilters() {
      for (const t of tags) {
        let show = state.layers[t.layer] !== false;
        if (t.klass && state.classes[t.klass] === false) show = false;
        // A threat stays visible whoever stopped it; units, sensors, shots follow their partner.
        if (t.layer !== "threat" && t.partner && state.partners[t.partner] === false) show = false;
        t.entity.show = show;
      }
    }
    applyFilters();

    // Clock controls ----------------------------------------------------------------------------
    const play = document.getElementById("play");
    const speed = document.getElementById("speed");
    const slider = document.getElementById("time");
    const clockText = document.getElementById("clock");
    const base = clock.multiplier;
    for (const m of [0.25, 0.5, 1, 2, 4, 8]) {
      const option = document.createElement("option");
      option.value = String(base * m); option.textContent = `×${Math.round(base * m)}`;
      if (m === 1) option.selected = true;
      speed.appendChild(option);
    }
    speed.addEventListener("change", () => { clock.multiplier = Number(speed.value); });
    play.addEventListener("click", () => {
      clock.shouldAnimate = !clock.shouldAnimate;
    });
    const span = Cesium.JulianDate.secondsDifference(clock.stopTime, clock.startTime);
    slider.addEventListener("input", () => {
      clock.currentTime = Cesium.JulianDate.addSeconds(clock.startTime, span * Number(slider.value) / 1000,
        new Cesium.JulianDate());
    });
    const offsetMinutes = meta.utc_offset_min || 0;
    function refresh() {
      play.textContent = clock.shouldAnimate ? "Pause" : "Play";
      const t = Cesium.JulianDate.secondsDifference(clock.currentTime, clock.startTime);
      if (document.activeElement !== slider) slider.value = String(Math.round(1000 * t / span));
      const date = Cesium.JulianDate.toDate(clock.currentTime);
      const local = new Date(date.getTime() + offsetMinutes * 60000);
      clockText.textContent = local.toISOString().slice(11, 19) + (meta.utc_label ? ` ${meta.utc_label}` : " UTC");
    }
    clock.onTick.addEventListener(refresh);
    refresh();

    status.textContent = `${entities.length} entities`;
    Object.assign(window.shieldwallReplay, {
      ready: true, viewer, entityCount: entities.length, czmlPackets: czml.length - 1,
      seconds: () => Cesium.JulianDate.secondsDifference(clock.currentTime, clock.startTime),
      tilesLoaded: () => viewer.scene.globe.tilesLoaded,
    });
  } catch (error) {
    status.textContent = `failed: ${error}`;
    window.shieldwallReplay.errors.push(String(error));
    console.error(error);
  }
})();
