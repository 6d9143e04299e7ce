// The mesh page: fetches /api/v1/mesh every two seconds and redraws. It builds the DOM with
// textContent only, so names and messages from the cluster are shown, never interpreted.
"use strict";

const REFRESH_MS = 2000;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function tag(text, cls) {
  return el("span", { class: "tag " + (cls || text) }, text);
}

function table(headers, rows) {
  return el("table", {},
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", {}, c))))));
}

function networkCard(network) {
  const card = el("div", { class: "card network", "data-network": network.name });
  const kind = network.name === "default"
    ? "cluster network (eth0)"
    : network.defined
      ? [network.cniType || "CNI unknown", network.range].filter(Boolean).join(", ")
      : "no NetworkAttachmentDefinition";
  card.append(el("h3", {}, network.name, " ", el("span", { class: "muted" }, kind)));
  card.append(table(["pod", "interface", "addresses"],
    network.attachments.map((a) => [a.pod, el("code", {}, a.interfaceName), a.addresses.join(", ")])));
  if (network.services.length > 0) {
    card.append(table(["Service served here", "cluster IPs", "ports"],
      network.services.map((s) => [s.service, s.clusterIps.join(", "), s.ports.join("; ")])));
  }
  return card;
}

function syncCell(proxy) {
  const cell = el("div", { class: "sync", "data-proxy": proxy.nodeId });
  cell.append(el("div", { class: "mono" }, proxy.proxyName, " ", el("span", { class: "muted" }, proxy.kind)));
  for (const [type, sync] of Object.entries(proxy.types)) {
    const line = el("div", { class: "type", "data-type": type }, type, " ", tag(sync.state));
    if (sync.error) line.append(" ", el("span", { class: "error nack" }, sync.error));
    cell.append(line);
  }
  return cell;
}

function podCard(pod) {
  const nacked = pod.proxies.some((p) => Object.values(p.types).some((t) => t.state === "NACKED"));
  const card = el("div", { class: "card pod" + (nacked ? " nacked" : ""), "data-pod": pod.pod });
  card.append(el("h3", {}, pod.pod, " ",
    tag(pod.ready ? "ready" : "not ready", pod.ready ? "caught" : "bypassed"), " ",
    el("span", { class: "muted" }, "capture "), tag(pod.capture, pod.capture === "REFUSED" ? "REFUSED" : "bypassed")));
  card.append(table(["interface", "network", "addresses", "inbound"],
    pod.interfaces.map((i) => [el("code", {}, i.name), i.network, i.addresses.join(", "),
      i.inboundCaught ? tag("caught", "caught") : el("span", { class: "reason" }, tag("bypassed", "bypassed"), " ", i.reason)])));
  card.append(table(["port", "handling", "Service"],
    pod.ports.map((p) => [
      el("span", { class: "mono", "data-port": p.port + "/" + p.transport }, p.port + "/" + p.transport),
      p.caught
        ? el("span", {}, tag(p.profile, p.profile === "diameter" ? "diameter" : "caught"), " on ", p.caughtOn.join(", "))
        : el("span", { class: "reason" }, tag("bypassed", "bypassed"), " ", p.reason),
      p.service])));
  if (pod.proxies.length === 0) {
    card.append(el("div", { class: "muted" }, "no proxy connected"));
  }
  for (const proxy of pod.proxies) card.append(syncCell(proxy));
  return card;
}

// The last data drawn, without its timestamp: an unchanged mesh is not redrawn, so a reader's
// text selection and the browser's find-in-page survive the refresh.
let drawn = "";

function render(mesh) {
  document.getElementById("status").textContent =
    (mesh.ready ? "serving" : "not ready") + " · mesh state " + mesh.generation + " · " +
    mesh.pods.length + " pods · " + (mesh.networks.length) + " networks · updated " + mesh.generatedAt;
  const content = JSON.stringify({ ...mesh, generatedAt: null });
  if (content === drawn) return;
  drawn = content;
  const problems = document.getElementById("problems");
  problems.replaceChildren(...mesh.problems.map((p) =>
    el("li", { class: "problem" }, el("span", { class: "mono" },
      p.kind + " " + (p.namespace ? p.namespace + "/" : "") + p.name + " " + p.field), ": ", p.reason)));
  document.getElementById("problem-count").textContent = "(" + mesh.problems.length + ")";
  document.getElementById("networks").replaceChildren(el("div", { class: "cards" }, ...mesh.networks.map(networkCard)));
  document.getElementById("pods").replaceChildren(el("div", { class: "cards" }, ...mesh.pods.map(podCard)));
  const unmatched = document.getElementById("unmatched");
  unmatched.replaceChildren(...mesh.unmatchedProxies.map(syncCell));
  document.getElementById("unmatched-section").hidden = mesh.unmatchedProxies.length === 0;
  document.body.dataset.generation = String(mesh.generation);
}

async function refresh() {
  try {
    const response = await fetch("/api/v1/mesh", { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    render(await response.json());
  } catch (e) {
    document.getElementById("status").textContent = "cannot reach telmesh: " + e.message;
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

refresh();
