namespace Mesh.Dashboard;

/// <summary>The live view: one self-contained page that polls <c>state</c> next to it every second.</summary>
internal static class DashboardPage
{
    public const string Html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Mesh</title>
        <style>
          body { font: 14px system-ui, sans-serif; margin: 24px; color: #1d2330; }
          h1 { font-size: 20px; margin: 0 0 4px; }
          #summary { color: #5a6275; margin-bottom: 16px; }
          table { border-collapse: collapse; min-width: 900px; }
          th, td { padding: 6px 10px; border-bottom: 1px solid #e3e6ec; text-align: right; white-space: nowrap; }
          th:first-child, td:first-child, td.state { text-align: left; }
          th { font-weight: 600; color: #5a6275; }
          .bar { display: inline-block; height: 10px; background: #3b7dd8; vertical-align: middle; margin-right: 6px; }
          .draining { color: #b3261e; } .warming { color: #b26a00; } .ready { color: #1b7f3b; }
        </style>
        </head>
        <body>
        <h1>Mesh node <span id="node">…</span></h1>
        <div id="summary">connecting…</div>
        <table>
          <thead><tr><th>peer</th><th>state</th><th>share of calls</th><th>calls/s</th><th>answered</th><th>refused</th>
          <th>in flight</th><th>latency ms</th><th>reported load</th><th>report age ms</th></tr></thead>
          <tbody id="peers"></tbody>
        </table>
        <script>
        "use strict";
        const stateUrl = location.pathname.replace(/\/$/, "") + "/state";
        let previous = null;
        function cell(row, cls, text) { const td = row.insertCell(); td.className = cls; td.textContent = text; return td; }
        function fixed(v, digits) { return v === null || v === undefined ? "–" : v.toFixed(digits); }
        async function refresh() {
          let state;
          try {
            const response = await fetch(stateUrl, { cache: "no-store" });
            state = await response.json();
          } catch (e) {
            document.getElementById("summary").textContent = "unreachable: " + e;
            return;
          }
          document.getElementById("node").textContent = state.nodeId;
          const total = state.peers.reduce((sum, p) => sum + p.answered, 0);
          const seconds = previous ? (state.takenAtMs - previous.takenAtMs) / 1000 : 0;
          const before = new Map((previous ? previous.peers : []).map(p => [p.nodeId, p.answered]));
          const body = document.getElementById("peers");
          body.replaceChildren();
          let rate = 0;
          for (const p of state.peers) {
            const row = body.insertRow();
            row.dataset.peer = p.nodeId;
            cell(row, "peer", p.nodeId + (p.endPoint ? " (" + p.endPoint + ")" : "")).title = p.identity ? "identity " + p.identity : "plaintext link";
            const status = p.draining ? "draining" : !p.ready ? "terminating" : p.slowStart < 1 ? "warming " + Math.round(p.slowStart * 100) + "%" : "ready";
            cell(row, "state " + (p.draining || !p.ready ? "draining" : p.slowStart < 1 ? "warming" : "ready"), status);
            const share = total > 0 ? p.answered / total : 0;
            const shareCell = cell(row, "share", "");
            const bar = document.createElement("span");
            bar.className = "bar";
            bar.style.width = Math.round(share * 200) + "px";
            shareCell.append(bar, (share * 100).toFixed(1) + "%");
            const perSecond = seconds > 0 && before.has(p.nodeId) ? (p.answered - before.get(p.nodeId)) / seconds : 0;
            rate += perSecond;
            cell(row, "rate", perSecond.toFixed(1));
            cell(row, "answered", String(p.answered));
            cell(row, "refused", String(p.refused));
            cell(row, "outstanding", String(p.outstanding));
            cell(row, "latency", fixed(p.latencyMs, 2));
            cell(row, "load", p.reportedLoad === null ? "–" : String(p.reportedLoad));
            cell(row, "age", fixed(p.reportAgeMs, 0));
          }
          document.getElementById("summary").textContent =
            state.state + " · " + state.peers.length + " peers · " + total + " calls answered · " + rate.toFixed(1) + " calls/s";
          previous = state;
        }
        refresh();
        setInterval(refresh, 1000);
        </script>
        </body>
        </html>
        """;
}
