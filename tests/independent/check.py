#!/usr/bin/env python3
"""Run the real zhaoshang binary over independently generated 江门 returns and compare.

    python3 check.py [--seeds 1 2 3] [--bin PATH] [--keep DIR]

For each seed: gen_jiangmen.py writes returns + truth.json; the binary is run once per month;
metrics.json / issues.json are compared with the truth. Every mismatch is printed.
Exit status 0 when everything matches, 1 otherwise.
"""
import argparse, json, os, re, subprocess, sys, time, shutil, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get('ZHAOSHANG_BIN') or os.path.join(
    os.environ.get('CARGO_TARGET_DIR') or os.path.join(ROOT, 'target'), 'debug', 'zhaoshang')
PIPES = {'jiangmen': (os.path.join(ROOT, 'pipelines/jiangmen.toml'), 'gen_jiangmen.py'),
         'zhenjiang': (os.path.join(ROOT, 'pipelines/zhenjiang-tech.toml'), 'gen_zhenjiang.py'),
         'innovation': (os.path.join(ROOT, 'pipelines/jiangmen-innovation-city.toml'), 'gen_innovation.py')}
PIPE, GEN = PIPES['jiangmen']
BACKFILL = RERUN = False


def run_bin(args, tries=6):
    for i in range(tries):
        if not os.path.exists(args[0]):
            time.sleep(60)
            continue
        try:
            p = subprocess.run(args, capture_output=True, text=True, timeout=600)
        except OSError as e:      # text file busy while being rebuilt
            time.sleep(60)
            continue
        return p
    raise SystemExit('binary unavailable: ' + args[0])


def usable_pipeline(pipe, binp):
    """The pipeline file of this checkout."""
    return pipe


def rel_close(a, b):
    if a is None or b is None:
        return a is None and b is None
    if a == b:
        return True
    return abs(a - b) <= 1e-6 * max(abs(a), abs(b))


def base(f):
    return os.path.basename(f or '')


def blank_run_rows(entry):
    """rows named by one skipped_row entry (a run of blank rows is one entry naming its rows)"""
    rows = {entry.get('row')}
    if entry.get('raw'):
        return rows          # a run of rows is only ever a run of blank rows
    msg = entry.get('message') or ''
    for a, b in re.findall(r'(\d+)\s*[-–—~～至到]\s*(\d+)', msg):
        if 0 <= int(b) - int(a) < 1000:
            rows.update(range(int(a), int(b) + 1))
    for a in re.findall(r'第\s*(\d+)\s*行', msg):
        rows.add(int(a))
    return rows


def check_seed(seed, binp, keep, plain=False):
    work = os.path.join(keep, f'{KIND}-seed{seed}' + ('-plain' if plain else '')) if keep else tempfile.mkdtemp(prefix=f'jmchk{seed}-')
    inp, out = os.path.join(work, 'in'), os.path.join(work, 'out')
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    subprocess.run([sys.executable, os.path.join(HERE, GEN), '--out', inp, '--seed', str(seed)] + (['--plain-folders'] if plain and KIND == 'jiangmen' else []), check=True)
    truth = json.load(open(os.path.join(inp, 'truth.json')))
    mism = []

    def bad(period, what, exp, got):
        mism.append((seed, period, what, exp, got))

    if KIND == 'jiangmen':
        p0 = run_bin([binp, 'run', '--pipeline', PIPE, '--input', inp, '--out', out + '-early', '--period', '2024-06', '-q'])
        if p0.returncode != 2 or os.path.exists(os.path.join(out + '-early', 'reports', '2024-06', 'metrics.json')):
            bad('2024-06', '--period before any return of its year', 'exit 2, no report',
                f'exit {p0.returncode}, report written: {os.path.exists(os.path.join(out + "-early", "reports", "2024-06", "metrics.json"))}')
    ps = sorted(truth['periods'])
    prev_period = {b: a for a, b in zip(ps, ps[1:])}
    if BACKFILL:
        pb = run_bin([binp, 'run', '--pipeline', PIPE, '--input', inp, '--out', out, '--period', f'{ps[0]}..{ps[-1]}', '-q'])
    for period, T in truth['periods'].items():
        if BACKFILL:
            p = pb
        else:
            p = run_bin([binp, 'run', '--pipeline', PIPE, '--input', inp, '--out', out, '--period', period, '-q', '--no-cache'])
            if RERUN:
                # a second run reusing the parse cache must give byte-identical metrics.json / issues.json
                rep0 = os.path.join(out, 'reports', period)
                b1 = [open(os.path.join(rep0, n), 'rb').read() for n in ('metrics.json', 'issues.json')]
                p2 = run_bin([binp, 'run', '--pipeline', PIPE, '--input', inp, '--out', out, '--period', period, '-q', '-j', '1'])
                b2 = [open(os.path.join(rep0, n), 'rb').read() for n in ('metrics.json', 'issues.json')]
                for n, x1, x2 in zip(('metrics.json', 'issues.json'), b1, b2):
                    if x1 != x2:
                        bad(period, f'rerun (cache, -j 1) changed {n}', 'byte-identical', 'different')
        rep = os.path.join(out, 'reports', period)
        if p.returncode not in (0,):
            bad(period, 'exit status', 0, f'{p.returncode}: {p.stderr.strip()[:300]}')
        try:
            M = json.load(open(os.path.join(rep, 'metrics.json')))
            I = json.load(open(os.path.join(rep, 'issues.json')))
        except Exception as e:
            bad(period, 'outputs', 'metrics.json + issues.json', repr(e))
            continue
        got = {(x['id'], x['scope'], x['scope_value']): x.get('value') for x in M['metrics']}
        for mid, scopes in T['metrics'].items():
            for scope, vals in scopes.items():
                for sv, ev in vals.items():
                    k = (mid, scope, sv)
                    if k not in got:
                        if ev in (None, 0, 0.0):
                            continue
                        bad(period, f'{mid}[{scope}={sv}]', ev, 'absent')
                        continue
                    gv = got[k]
                    if not rel_close(ev, gv) and not (ev == 0 and gv is None):
                        bad(period, f'{mid}[{scope}={sv}]', ev, gv)
        # chains the product reports with a value but the truth has none
        for (mid, scope, sv), gv in got.items():
            if scope in ('chain',) and mid in T['metrics'] and sv not in T['metrics'][mid].get('chain', {}) and gv not in (None, 0, 0.0):
                if mid != 'key_chain_share':
                    bad(period, f'{mid}[chain={sv}]', 0, gv)
        # indicator scorecard rows (innovation city)
        if T.get('indicator_rows') is not None:
            ir = {(x.get('no'), x.get('part'), x.get('year')): x for x in (M.get('indicators') or {}).get('rows', [])}
            for e in T['indicator_rows']:
                k = (e['no'], e['part'], e['year'])
                lab = f"indicator {e['no']}{'.' + e['part'] if e['part'] else ''} {e['year']}"
                g = ir.get(k)
                if g is None:
                    bad(period, lab, 'a row', 'absent')
                    continue
                if e.get('ambiguous'):
                    continue
                if isinstance(e['value'], str):
                    if g.get('rating') != e['value']:
                        bad(period, lab + ' rating', e['value'], g.get('rating'))
                elif not rel_close(e['value'], g.get('value')):
                    bad(period, lab + ' value', e['value'], g.get('value'))
                if e['met'] is not None and g.get('met') != e['met']:
                    bad(period, lab + ' met', e['met'], g.get('met'))
                if e['progress'] is not None and not rel_close(e['progress'], g.get('progress')):
                    bad(period, lab + ' progress', e['progress'], g.get('progress'))
        # 镇江 organiser: the name as typed is kept, and its level where one is recognised (issue 8 item 2)
        if T.get('events_current'):
            y, mo = period.split('-')
            q = (f"SELECT event_name, organiser_name, organiser FROM events_current WHERE year={int(y)} AND month={int(mo)}")
            pq = run_bin([binp, 'query', q, '--out', out, '--format', 'json'])
            if pq.returncode != 0:
                bad(period, 'zhaoshang query on events_current', 'the table is queryable',
                    ' '.join(pq.stderr.split())[:160])
            try:
                import pyarrow.dataset as pads     # read the Parquet directly, as an analyst would
                d = pads.dataset(os.path.join(out, 'dataset', 'events_current', f'year={int(y)}', f'month={int(mo):02d}'),
                                 format='parquet')
                rows = d.to_table(columns=['event_name', 'organiser_name', 'organiser']).to_pylist()
                import unicodedata
                nf = lambda t: unicodedata.normalize('NFKC', t or '').strip()
                got_ev = {nf(x.get('event_name')): x for x in rows}
                for e in T['events_current']:
                    g = got_ev.get(nf(e['name']))
                    if g is None:
                        bad(period, f"events_current: {e['name']}", 'present', 'absent')
                        continue
                    if g.get('organiser_name') != e['organiser_name']:
                        bad(period, f"organiser_name of {e['name']}", e['organiser_name'], g.get('organiser_name'))
                    if g.get('organiser') != e['organiser']:
                        bad(period, f"organiser level of {e['name']} ({e['organiser_name']})", e['organiser'], g.get('organiser'))
            except Exception as ex:
                bad(period, 'query events_current', 'json rows', f'{ex!r}: {pq.stdout[:200]} {pq.stderr[:200]}')
        # stage funnel (city)
        st = [s for s in (M.get('stages') or []) if s.get('scope') == 'city']
        if st and T.get('stages_city'):
            s = st[0]
            if s.get('projects') != T['stages_city']['projects']:
                bad(period, 'stages[city].projects', T['stages_city']['projects'], s.get('projects'))
            for x in s.get('stages', []):
                if x['stage'] in T['stages_city'] and x['count'] != T['stages_city'][x['stage']]:
                    bad(period, f"stages[city].{x['stage']}.count", T['stages_city'][x['stage']], x['count'])
        acc = M.get('accounting', {})
        if acc.get('rows_accepted') != T['accepted_rows']:
            note = '' if acc.get('rows_accepted') != T.get('accepted_rows_excluding_superseded') else \
                ' (= count without the superseded first file)'
            bad(period, 'accounting.rows_accepted', T['accepted_rows'], f"{acc.get('rows_accepted')}{note}")
        if acc.get('rows_rejected') != T['rejected_rows']:
            bad(period, 'accounting.rows_rejected', T['rejected_rows'], acc.get('rows_rejected'))
        if sorted(M.get('missing_returns', [])) != sorted(T['missing_returns']):
            bad(period, 'missing_returns', T['missing_returns'], M.get('missing_returns'))
        # month folders as the clerks wrote them must be read (or named loudly, issue 8 item 7)
        folder = (truth.get('month_folders') or {}).get(period, period)
        if folder and folder != period:
            man = json.load(open(os.path.join(rep, 'manifest.json')))
            if not any((f.get('file') or '').startswith(folder + '/') for f in man.get('inputs', [])):
                ign = [x for x in man.get('ignored', []) if x.get('file') == folder]
                bad(period, f'month folder {folder!r} not read', 'its files read as ' + period,
                    f"ignored{' (manifest: ' + ign[0].get('reason', '') + ')' if ign else ''}; stderr "
                    f"{'names it' if folder in p.stderr else 'silent'}")
        # validate must flag exactly what run rejects (issue 8 item 10)
        if folder and os.path.isdir(os.path.join(inp, folder)):
            v = run_bin([binp, 'validate', os.path.join(inp, folder), '--pipeline', PIPE, '--period', period, '--format', 'json'])
            try:
                V = json.loads(v.stdout)
                vcells = {(base(x.get('file')), x.get('sheet'), x.get('cell')) for f in V.get('files', [])
                          for x in f.get('issues', []) if x.get('severity') == 'error'}
                rcells = {(base(x.get('file')), x.get('sheet'), x.get('cell')) for x in I if x.get('severity') == 'error'}
                for k in sorted(vcells ^ rcells, key=str):
                    bad(period, f'validate vs run differ at {k[0]}!{k[2]}', 'same', 'only validate' if k in vcells else 'only run')
            except Exception as e:
                bad(period, 'validate --format json', 'json', f'{e!r} rc={v.returncode} {v.stderr[:200]}')
        # rejected cells
        exp_cells = {(base(x['file']), x['sheet'], x['cell']): x for x in T['rejected_cells']}
        err = [x for x in I if x.get('severity') == 'error']
        got_cells = {}
        for x in err:
            got_cells.setdefault((base(x.get('file')), x.get('sheet'), x.get('cell')), x)
        exp_rows = {(base(x['file']), x['sheet'], x['row']) for x in T['rejected_cells']}
        for k, x in exp_cells.items():
            if k not in got_cells:
                alt = [g for g in err if (base(g.get('file')), g.get('sheet'), g.get('row')) == (k[0], k[1], x['row'])]
                how = f"row rejected at {[(g.get('cell'), g.get('rule')) for g in alt]}" if alt else 'not rejected'
                bad(period, f"rejected cell {k[0]}!{k[2]} ({x['kind']})", 'error', how)
        for k, g in got_cells.items():
            if k not in exp_cells:
                rowk = (k[0], k[1], g.get('row'))
                if rowk in exp_rows:
                    continue    # another cell of a row we expect rejected (reported above if ours is missing)
                bad(period, f'unexpected rejection {k[0]}!{k[2]}', 'accepted',
                    f"{g.get('rule')}: raw={g.get('raw')!r} {g.get('message')}")
        # warnings that state an assumption (issue 8 item 3) or a value not understood (item 2)
        wcells = {(base(x.get('file')), x.get('sheet'), x.get('cell')) for x in I if x.get('severity') == 'warning'}
        for x in T.get('expected_warnings', []):
            if (base(x['file']), x['sheet'], x['cell']) not in wcells:
                bad(period, f"no warning for {x['kind']} at {base(x['file'])}!{x['cell']}", f"warning on {x['raw']!r}", 'none')
        for x in T.get('expected_sheet_warnings', []):
            hits = [g for g in I if base(g.get('file')) == base(x['file']) and g.get('rule') == x['rule']
                    and g.get('severity') == 'warning' and g.get('sheet') in (x['sheet'], None)]
            if not hits:
                bad(period, f"no {x['rule']} warning for {base(x['file'])}", 'one sheet-level warning', 'none')
            elif len(hits) > 1:
                bad(period, f"{x['rule']} reported {len(hits)}x for {base(x['file'])}", 'once per sheet and column', len(hits))
        # changes: no left/new pair for one project; new/left as the truth's month-to-month lists say
        ch = M.get('changes', [])
        names = lambda kind: {(c.get('name') or '').strip() for c in ch if c.get('change') == kind}
        for n in names('left') & names('new'):
            bad(period, f'changes: left+new pair for {n}', 'none', 'left and new')
        prevp = prev_period.get(period) if KIND == 'jiangmen' else None
        cur_names = {x['name'] for x in T['projects_current']}
        if prevp:
            prev_names = {x['name'] for x in truth['periods'][prevp]['projects_current']}
            for n in sorted(names('left') - (prev_names - cur_names)):
                bad(period, f'changes: unexpected left {n}', 'not left', 'left')
            for n in sorted((cur_names - prev_names) - names('new')):
                bad(period, f'changes: missing new {n}', 'new', 'absent')
        for mv in T.get('moved', []):
            if period == f"{period[:4]}-{mv['month']:02d}":
                hit = [x for x in ch if x.get('change') == 'moved' and (x.get('name') or '').strip() == mv['name']]
                if not hit:
                    bad(period, f"changes: moved {mv['name']} {mv['previous']}→{mv['current']}", 'moved',
                        [x.get('change') for x in ch if (x.get('name') or '').strip() == mv['name']])
        # skipped rows
        sk = [x for x in I if x.get('rule') == 'skipped_row']
        covered = set()
        for x in sk:
            for r in blank_run_rows(x):
                covered.add((base(x.get('file')), x.get('sheet'), r))
        for x in T['skipped_rows']:
            k = (base(x['file']), x['sheet'], x['row'])
            if k not in covered:
                bad(period, f"skipped row not listed {k[0]}!row {k[2]} ({x['reason']}: {x['text']})", 'info skipped_row', 'absent')
        proj = {(base(x['file']), x['sheet'], x['row']) for x in T['project_rows']}
        for x in sk:
            k = (base(x.get('file')), x.get('sheet'), x.get('row'))
            if k in proj:
                bad(period, f'PROJECT ROW SKIPPED {k[0]}!row {k[2]}', 'counted or rejected',
                    f"skipped: raw={x.get('raw')!r} {x.get('message')}")
            if x.get('severity') != 'info':
                bad(period, f'skipped_row severity {k[0]}!row {k[2]}', 'info', x.get('severity'))
    return mism


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--seeds', type=int, nargs='+', default=[1, 2, 3])
    ap.add_argument('--bin', default=BIN)
    ap.add_argument('--pipeline', choices=sorted(PIPES), default='jiangmen', help='which generator/pipeline')
    ap.add_argument('--pipeline-file', default=None, help='override the pipeline file')
    ap.add_argument('--keep', default=None, help='keep inputs/outputs under this folder')
    ap.add_argument('--plain-folders', action='store_true', help='month folders YYYY-MM only')
    ap.add_argument('--brief', action='store_true', help='print only the summary by class')
    ap.add_argument('--backfill', action='store_true', help='one run over the whole range (--period A..B)')
    ap.add_argument('--rerun', action='store_true', help='also rerun each period from the cache with -j 1: outputs must be identical')
    a = ap.parse_args()
    global PIPE, GEN, KIND, BACKFILL, RERUN
    KIND = a.pipeline
    BACKFILL, RERUN = a.backfill, a.rerun
    PIPE, GEN = PIPES[KIND]
    if a.pipeline_file:
        PIPE = a.pipeline_file
    else:
        PIPE = usable_pipeline(PIPE, a.bin)
    allm = []
    for s in a.seeds:
        m = check_seed(s, a.bin, a.keep, a.plain_folders)
        allm += m
        print(f'seed {s}: {len(m)} mismatch(es)')
        for seed, period, what, exp, got in ([] if a.brief else m):
            print(f'  [{period}] {what}: expected {exp!r}, got {got!r}')
    # summary by class
    cls = {}
    for seed, period, what, exp, got in allm:
        c = re.sub(r'\[.*?\]|\S+\.xlsx\S*|row \d+|\((?:blank|section|total|footer|noname|tbd|late|city).*?\)', '', what)
        c = re.sub(r'\d+', '', c).strip()
        if what.startswith('changes:'):
            c = ' '.join(what.split()[:3]) if 'left+new' in what else ' '.join(what.split()[:3])
            c = re.sub(r' \S*项目$', '', c)
        m2 = re.search(r'\((blank|section|total|footer|noname|tbd|late|city|no31|badpart|tbv|year2018|badkind|badcode)|for (approximate amount|date \w+|unreadable optional|unknown chain|unlisted tag|unreadable yes/no)', what)
        if m2:
            c += f' ({m2.group(1) or m2.group(2)})'
        cls.setdefault(c, []).append((seed, period, what, exp, got))
    print('\n== summary:', len(allm), 'mismatches')
    for c, xs in sorted(cls.items(), key=lambda kv: -len(kv[1])):
        seed, period, what, exp, got = xs[0]
        print(f'  {len(xs):4d} × {c}   e.g. seed {seed} [{period}] {what}: expected {exp!r}, got {got!r}')
    sys.exit(1 if allm else 0)


if __name__ == '__main__':
    main()
