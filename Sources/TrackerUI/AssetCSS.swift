/// The UI's stylesheet, served at a content-hashed URL.
let appCSS = #"""
    :root { --fg: #1d2330; --muted: #566072; --line: #d9dde5; --bg: #fff; --soft: #f4f6fa; --bad: #b3261e; --good: #1e7b34; --accent: #2f5fb3; --warn: #8a5a00; }
    * { box-sizing: border-box; }
    html { -webkit-text-size-adjust: 100%; }
    body { font: 15px/1.45 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); margin: 0; background: var(--bg); }
    a { color: var(--accent); }
    a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
    header.top { background: #1d2330; color: #fff; }
    header.top nav { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 18px; max-width: 1200px; margin: 0 auto; padding: 10px 16px; }
    header.top a { color: #fff; text-decoration: none; }
    header.top a.brand { font-weight: 700; margin-right: 8px; }
    header.top a[aria-current="page"] { text-decoration: underline; text-underline-offset: 4px; }
    header.top form { margin-left: auto; }
    header.top button { background: none; border: 1px solid #8b93a5; color: #fff; border-radius: 4px; padding: 2px 10px; cursor: pointer; }
    main { max-width: 1200px; margin: 0 auto; padding: 16px; }
    h1 { font-size: 1.5em; margin: 4px 0 4px; overflow-wrap: anywhere; }
    h2 { font-size: 1.2em; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
    h3 { font-size: 1.05em; margin: 18px 0 6px; }
    .sub, .muted { color: var(--muted); }
    .sub { margin: 0 0 12px; }
    code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em; }
    pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px; overflow: auto; max-height: 70vh; white-space: pre-wrap; overflow-wrap: anywhere; }
    table { border-collapse: collapse; width: 100%; margin: 8px 0; font-variant-numeric: tabular-nums; }
    th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
    th { color: var(--muted); font-weight: 600; font-size: 0.9em; white-space: nowrap; }
    td.n, th.n { text-align: right; }
    th a { color: inherit; }
    .scroll { overflow-x: auto; }
    tr.diff td { background: #fff6d6; }
    .chart-tip { position: absolute; z-index: 10; pointer-events: none; background: #1d2330; color: #fff; padding: 2px 7px; border-radius: 4px; font-size: 0.85em; white-space: nowrap; }
    .chart-tip[hidden] { display: none; }
    .badge { display: inline-block; border-radius: 999px; padding: 1px 9px; font-size: 0.85em; font-weight: 600; border: 1px solid var(--line); white-space: nowrap; }
    .badge.worse { background: #fbeeee; color: var(--bad); border-color: var(--bad); }
    .badge.better { background: #e9f6ec; color: var(--good); border-color: var(--good); }
    .badge.within { background: #eef6f0; color: var(--good); }
    .badge.nee { color: var(--muted); }
    .badge.RUNNING { color: var(--accent); border-color: var(--accent); }
    .badge.FAILED, .badge.KILLED, .badge.deleted { color: var(--bad); border-color: var(--bad); }
    .badge.FINISHED { color: var(--good); }
    .kind-rollback { color: var(--bad); font-weight: 600; }
    .kind-force { color: var(--warn); font-weight: 600; }
    .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 12px; }
    .card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; background: #fff; min-width: 0; }
    .card h3 { margin: 0 0 6px; }
    ul.verdicts { list-style: none; padding: 0; margin: 6px 0; display: flex; flex-wrap: wrap; gap: 6px 14px; }
    ul.verdicts li { display: inline-flex; gap: 6px; align-items: center; white-space: nowrap; }
    .live-env { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 4px 0; }
    .alert { border-left: 4px solid var(--bad); background: #fbeeee; padding: 6px 10px; margin: 6px 0; }
    .ok-note { border-left: 4px solid var(--good); background: #eef6f0; padding: 6px 10px; margin: 6px 0; }
    .error { border: 1px solid var(--bad); color: var(--bad); background: #fbeeee; padding: 6px 10px; border-radius: 6px; margin: 6px 0; }
    dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 8px 0; }
    dl.kv dt { color: var(--muted); }
    dl.kv dd { margin: 0; overflow-wrap: anywhere; }
    form.inline { display: inline; }
    .toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-end; margin: 8px 0; }
    .toolbar label { display: flex; flex-direction: column; font-size: 0.85em; color: var(--muted); }
    .toolbar .grow { flex: 1 1 320px; }
    input[type=text], input[type=password], input[type=search], select, textarea { font: inherit; padding: 5px 8px; border: 1px solid #9aa3b2; border-radius: 4px; max-width: 100%; color: var(--fg); background: #fff; }
    input.wide { width: 100%; }
    button, .button { font: inherit; padding: 5px 12px; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 4px; cursor: pointer; text-decoration: none; display: inline-block; }
    button.secondary, .button.secondary { background: #fff; color: var(--accent); }
    button.danger { background: #fff; color: var(--bad); border-color: var(--bad); }
    details.columns { margin: 6px 0; }
    details.columns fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 6px 0; display: flex; flex-wrap: wrap; gap: 4px 14px; }
    .pager { display: flex; gap: 12px; align-items: center; margin: 10px 0; }
    figure.chart { margin: 0; border: 1px solid var(--line); border-radius: 6px; padding: 8px; position: relative; min-width: 0; }
    figure.chart figcaption { font-size: 0.9em; color: var(--muted); margin-bottom: 4px; }
    figure.chart svg { width: 100%; height: auto; display: block; }
    .hidden { display: none; }
    .vh { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    img.preview { max-width: 100%; height: auto; border: 1px solid var(--line); }
    .legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 0.88em; margin: 6px 0; }
    .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
    .s0 { background: #2f5fb3; } .s1 { background: #d9822b; } .s2 { background: #1e7b34; } .s3 { background: #b3261e; } .s4 { background: #7b4fb3; }
    .s5 { background: #1b8a8a; } .s6 { background: #8a5a00; } .s7 { background: #c2185b; } .s8 { background: #546e7a; } .s9 { background: #6d8f00; }
    .copy { display: flex; gap: 6px; align-items: flex-start; }
    .copy pre { flex: 1; margin: 0; }
    .timeline { list-style: none; padding: 0; margin: 0; border-left: 2px solid var(--line); }
    .timeline li { position: relative; padding: 4px 0 10px 16px; }
    .timeline li::before { content: ""; position: absolute; left: -6px; top: 10px; width: 10px; height: 10px; border-radius: 50%; background: var(--good); }
    .timeline li.rollback::before { background: var(--bad); }
    .timeline li.force::before { background: var(--warn); }
    .gates { margin: 2px 0 0; padding-left: 18px; font-size: 0.9em; }
    .timeline .gates li { padding: 0; }
    .timeline .gates li::before { content: none; }
    .pass { color: var(--good); } .fail { color: var(--bad); }
    .login { max-width: 380px; margin: 60px auto; }
    @media (max-width: 700px) {
      main { padding: 10px; }
      body { font-size: 14px; }
      table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: 100%; }
      table.cards thead { display: none; }
      table.cards tr { border: 1px solid var(--line); border-radius: 8px; margin: 0 0 10px; padding: 6px 8px; }
      table.cards td { border: none; padding: 2px 0; text-align: left; display: flex; gap: 10px; }
      table.cards td::before { content: attr(data-label); color: var(--muted); font-size: 0.85em; min-width: 7.5em; flex: none; }
      table.cards td.n { text-align: left; }
      table.cards td.none { display: none; }
      table.cards.compare tbody th { display: block; padding: 0 0 2px; color: var(--fg); }
      table.cards.compare td::before { flex: 0 0 45%; min-width: 0; overflow-wrap: anywhere; }
      table.cards.compare td { overflow-wrap: anywhere; }
      table.cards.gap tr { display: flex; flex-direction: column; }
      table.cards.gap td.metric { order: -3; font-weight: 600; }
      table.cards.gap td.verdict { order: -2; }
      table.cards.gap td.live { order: -1; }
      .grid, .report .charts { grid-template-columns: 1fr; }
      dl.kv { grid-template-columns: 1fr; }
      dl.kv dd { margin-bottom: 6px; }
    }
    """#
