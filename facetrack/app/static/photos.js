(() => {
  const drop = document.getElementById("drop"), form = document.getElementById("upload");
  const input = form.querySelector("input[type=file]"), list = document.getElementById("dates");
  const today = document.currentScript.dataset.today;
  const day = d => [d.getFullYear(), String(d.getMonth() + 1).padStart(2, "0"),
                    String(d.getDate()).padStart(2, "0")].join("-");
  async function cameraDate(file) {  // a JPEG's EXIF DateTimeOriginal (else DateTime), as yyyy-mm-dd
    try {
      const v = new DataView(await file.slice(0, 131072).arrayBuffer());
      if (v.getUint16(0) !== 0xFFD8) return null;
      for (let p = 2; p + 10 <= v.byteLength;) {
        const marker = v.getUint16(p), size = v.getUint16(p + 2);
        if ((marker & 0xFF00) !== 0xFF00) return null;
        if (marker === 0xFFE1 && v.getUint32(p + 4) === 0x45786966) {  // "Exif"
          const t = p + 10, le = v.getUint16(t) === 0x4949;
          const u16 = o => v.getUint16(t + o, le), u32 = o => v.getUint32(t + o, le);
          const find = (ifd, tag) => {
            for (let i = 0, n = u16(ifd); i < n; i++) if (u16(ifd + 2 + 12 * i) === tag) return ifd + 2 + 12 * i;
            return null;
          };
          const ifd0 = u32(4), sub = find(ifd0, 0x8769);
          const entry = (sub !== null && find(u32(sub + 8), 0x9003)) || find(ifd0, 0x0132);
          if (!entry) return null;
          let text = "";
          for (let i = 0; i < 10; i++) text += String.fromCharCode(v.getUint8(t + u32(entry + 8) + i));
          const m = /^([0-9]{4}):([0-9]{2}):([0-9]{2})$/.exec(text);
          return m ? m[1] + "-" + m[2] + "-" + m[3] : null;
        }
        p += 2 + size;
      }
    } catch (e) {}
    return null;
  }
  async function review() {  // each photo with its date, editable, before anything is imported
    const rows = [];
    for (const file of input.files) {
      const li = document.createElement("li"), label = document.createElement("label");
      const date = document.createElement("input");
      date.type = "date"; date.required = true; date.max = today;
      date.value = (await cameraDate(file)) || day(new Date(file.lastModified));
      label.append(file.name + ": ", date); li.append(label); rows.push(li);
    }
    list.replaceChildren(...rows);
    document.getElementById("review").hidden = !rows.length;
  }
  input.addEventListener("change", review);
  form.addEventListener("submit", async e => {  // each photo goes with its date, just before it
    e.preventDefault();
    if (!form.reportValidity()) return;
    const body = new FormData(), dates = list.querySelectorAll("input[type=date]");
    [...input.files].forEach((file, i) => { body.append("date", dates[i] ? dates[i].value : ""); body.append("photos", file); });
    form.querySelector("input[type=submit]").disabled = true;
    const answer = await fetch(form.action, {method: "POST", body});  // "/upload", or confirmed: ?same_person=yes
    const page = await answer.text();
    history.replaceState(null, "", "/photos");
    document.open(); document.write(page); document.close();
  });
  for (const kind of ["dragenter", "dragover"]) drop.addEventListener(kind, e => {
    e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", e => {  // the dropped files go through the same review as the picker's
    e.preventDefault(); drop.classList.remove("over");
    if (!e.dataTransfer.files.length) return;
    input.files = e.dataTransfer.files;
    review();
  });
})();
