(() => {
  const given = document.currentScript.dataset;
  const problems = JSON.parse(given.problems);  // the browser's camera errors, each with its fix
  const noCamera = JSON.parse(given.noCamera);  // the errors that mean no usable camera here: offer photos instead
  const $ = id => document.getElementById(id);
  const status = $("status"), preview = $("preview"), video = $("camera"), buttons = $("buttons");
  const instruction = $("instruction"), left = $("left"), checks = $("checks");
  let session = null;
  const said = async answer => {  // the app's answer: JSON, or a refusal in one line of text
    const text = await answer.text();
    try { return JSON.parse(text); } catch (e) {
      return {error: text.trim().replace(/^refused: /, "") || "The app did not answer: reload the page."};
    }
  };
  const show = g => {  // what to do now, every check met or not, and the time left
    instruction.textContent = g.instruction; instruction.hidden = false;
    checks.replaceChildren(...g.checks.map(c => {
      const li = document.createElement("li");
      li.className = c.met === true ? "met" : c.met === false ? "unmet" : "unknown";
      li.textContent = (c.met === true ? "✓ " : c.met === false ? "✗ " : "– ") + c.label;
      return li;
    }));
    checks.hidden = false;
    const parts = [];
    if (g.progress) parts.push(g.progress + ".");
    if (g.seconds_left !== null) {  // each improvement restarts the count: say so, and the hard limit
      const limit = g.limit_left_s;
      parts.push("Gives up in " + Math.ceil(g.seconds_left) + " s unless something improves" +
                 (limit !== null && limit !== undefined && limit > g.seconds_left + 1
                  ? "; each improvement gives it more time, up to " + Math.ceil(limit) + " s from now." : "."));
    }
    left.textContent = parts.join(" "); left.hidden = !parts.length;
  };
  const fail = (sentence, details, offerPhotos) => {  // one sentence with its fix, and Try again
    buttons.hidden = true; instruction.hidden = true; left.hidden = true; checks.hidden = true;
    status.textContent = "No photo was taken.";
    $("advice").textContent = sentence;
    $("details").textContent = details || "";
    $("support").hidden = !details;
    $("failed").hidden = false;
    $("fallback").hidden = !offerPhotos;
    document.body.dataset.capture = "failed";
    $("failed").scrollIntoView({block: "nearest"});  // the reason and Try again in view, whatever came before
  };
  async function run() {
    $("failed").hidden = true; $("fallback").hidden = true;
    document.body.dataset.capture = "starting";
    status.textContent = "Starting the camera... Allow it when the browser asks.";
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({video: {width: 640, height: 480}});
    } catch (e) {
      const name = (e && e.name) || "";
      fail(problems[name] || problems.other, name, noCamera.includes(name));
      return;
    }
    const end = () => stream.getTracks().forEach(track => track.stop());
    video.srcObject = stream;
    await video.play();
    const begun = await fetch("/capture/start", {method: "POST"});
    const start = await said(begun);
    if (!begun.ok || !start.session) { end(); fail(start.error); return; }
    session = start.session;  // this tab's capture: named with every frame and button press
    status.textContent = "Follow the instruction: the photo is taken by itself when every check is met." +
      (start.took_over ? " (The capture running in another tab or window was stopped.)" : "");
    buttons.hidden = false;
    document.body.dataset.capture = "running";
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth; canvas.height = video.videoHeight;
    const ctx = canvas.getContext("2d");
    const t0 = performance.now();
    window.facetrackRoundTrips = [];  // ms from a frame grabbed to its answer (read by the benchmark)
    window.facetrackEncodes = [];  // ms of that spent drawing and encoding the frame in the page
    window.facetrackServer = [];  // ... and in the server, from the frame read to the overlay encoded
    for (let index = 0; ; index++) {  // one frame at a time: the next goes when the answer is back
      const sent = performance.now();
      ctx.drawImage(video, 0, 0);
      const blob = await new Promise(done => canvas.toBlob(done, "image/jpeg", 0.92));
      window.facetrackEncodes.push(performance.now() - sent);
      const answer = await fetch("/capture/frame", {method: "POST", body: blob,
        headers: {"x-timestamp": String(Math.round(sent - t0)), "x-index": String(index), "x-session": session}});
      window.facetrackRoundTrips.push(performance.now() - sent);
      const timing = /dur=([0-9.]+)/.exec(answer.headers.get("server-timing") || "");
      if (timing) window.facetrackServer.push(Number(timing[1]));
      if ((answer.headers.get("content-type") || "").startsWith("image/")) {
        const guidance = answer.headers.get("x-guidance");
        if (guidance) show(JSON.parse(guidance));
        const old = preview.src;
        preview.src = URL.createObjectURL(await answer.blob());
        if (old) URL.revokeObjectURL(old);
        continue;
      }
      const outcome = await said(answer);
      sessionStorage.setItem("facetrackRoundTrips", JSON.stringify(window.facetrackRoundTrips));
      sessionStorage.setItem("facetrackEncodes", JSON.stringify(window.facetrackEncodes));
      sessionStorage.setItem("facetrackServer", JSON.stringify(window.facetrackServer));
      end();
      session = null;
      if (outcome.capture) { location.href = "/capture/result/" + outcome.capture; return; }
      fail(outcome.error, outcome.details);
      return;
    }
  }
  for (const [id, path] of [["now", "/capture/now"], ["cancel", "/capture/cancel"]]) {
    $(id).addEventListener("click", () => {
      if (session) fetch(path, {method: "POST", headers: {"x-session": session}});
    });
  }
  $("again").addEventListener("click", run);  // a new capture, without reloading the page
  run();
})();
