#!/usr/bin/env python3
"""Independent generator of 江门 创新型城市 indicator returns (DESIGN §7.2, issue 8 item 6).

    python3 gen_innovation.py --out DIR --seed N [--pipeline FILE]

The annex-1 reference list (numbers, parts, base, target, monitors, counts_from, ratings) is
read from the pipeline file — it is the reference data, not code. One folder 2023-12; each
monitoring unit but one sends its return with rows for 2021..2023. Mixed in: group-title
(section) rows, a merged 一级指标 column, blank rows, footers, remarks starting 说明/注;
values as numbers, `2.50%` text, full-width digits, a percent-formatted cell (0.642 shown as
64.2% in a % indicator = 64.2), ratings. Bad rows rejected at their cell: an indicator number
not in annex 1, a part not in annex 1, a value `待核实`, a year outside the plan (2018).
"""
import argparse, json, os, random, subprocess, tomllib
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

FW = str.maketrans('0123456789.', '０１２３４５６７８９．')
YEARS = [2021, 2022, 2023]


def load_pipeline(path):
    return tomllib.loads(open(path, encoding='utf-8').read())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--pipeline', default=os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), 'pipelines/jiangmen-innovation-city.toml'))
    a = ap.parse_args()
    r = random.Random(a.seed)
    P = load_pipeline(a.pipeline)
    inds = P['indicators']
    ratings = P['reference']['vocabularies']['rating']['values']      # best first
    units = sorted({m for i in inds for m in i['monitors']})
    silent = r.choice(units)
    bad_units = r.sample([u for u in units if u != silent], 4)
    bad_kind = dict(zip(bad_units, ['no31', 'badpart', 'tbv', 'year2018']))
    # the return is owed once a year: three units send theirs in June (folder written 2023年6月);
    # the first of them sends a corrected full return in December (its values change)
    early = r.sample([u for u in units if u != silent and u not in bad_units], 3)
    sends = [(u, '2023年6月', '2023-06', 0.0) for u in early] + [(early[0], '2023-12', '2023-12', 1.0)] + \
            [(u, '2023-12', '2023-12', 0.0) for u in units if u != silent and u not in early]
    by_send = {}         # (unit, period) -> {(no, part, year): value}
    files_by_period = {}
    for u, folder, fperiod, delta in sends:
        os.makedirs(os.path.join(a.out, folder), exist_ok=True)
        reported = by_send.setdefault((u, fperiod), {})
        files = files_by_period.setdefault(fperiod, [])
        mine = [i for i in inds if u in i['monitors']]
        rel = f'{folder}/{u}2023年创新型城市指标监测表.xlsx'
        wb = Workbook()
        ws = wb.active
        ws.title = '监测表'
        cols = ['一级指标', '指标序号', '指标名称', '分项', '年度', '数值', '单位', '备注']
        ci = {h: k + 1 for k, h in enumerate(cols)}
        L = lambda h: get_column_letter(ci[h])
        ws.cell(1, 1, '江门市创建国家创新型城市考核指标监测表')
        ws.cell(2, 1, f'填报单位：{u}')
        ws.cell(2, 6, '填报日期：2024年1月10日')
        for h, k in ci.items():
            ws.cell(3, k, h)
        row = 4
        acc, rej, skp = [], [], []
        group = None
        gstart = None
        for i in sorted(mine, key=lambda i: (i['no'], i.get('part') or '')):
            if i['group'] != group:
                if gstart and row - 1 > gstart:
                    ws.merge_cells(start_row=gstart, start_column=1, end_row=row - 1, end_column=1)
                group = i['group']
                if r.random() < 0.5:
                    ws.cell(row, 2, f"{'一二三四五六'[r.randint(0, 5)]}、{group}")
                    skp.append(dict(file=rel, sheet=ws.title, row=row, reason='section', text=group))
                    row += 1
                gstart = row
                ws.cell(row, 1, group)
            for y in YEARS:
                base, tgt = i.get('base'), i.get('target')
                if i.get('qualitative'):
                    val = r.choice(ratings)
                    cellv = val
                else:
                    u01 = r.uniform(-0.3, 1.5)
                    val = round(base + (tgt - base) * u01, 2) if tgt != base else round(base + r.randint(0, 3), 2)
                    val = round(val + delta, 2)
                    x = r.random()
                    if i.get('unit') == '%' and x < 0.25:
                        cellv = f'{val:.2f}%'
                    elif i.get('unit') == '%' and x < 0.35:
                        cellv = ('pct', round(val / 100, 6))
                    elif x < 0.45:
                        cellv = f'{val:g}'.translate(FW)
                    else:
                        cellv = val
                ws.cell(row, 2, i['no'])
                ws.cell(row, 3, i['name'])
                if i.get('part'):
                    ws.cell(row, 4, i['part'])
                ws.cell(row, 5, y)
                if isinstance(cellv, tuple):
                    c = ws.cell(row, 6, cellv[1])
                    c.number_format = '0.00%'
                else:
                    ws.cell(row, 6, cellv)
                ws.cell(row, 7, i.get('unit'))
                if r.random() < 0.3:
                    ws.cell(row, 8, r.choice(['说明：统计口径同上年', '注：快报数', '合计数据来源统计局', '其中：省级2个']))
                reported[(i['no'], i.get('part'), y)] = val
                acc.append(dict(file=rel, sheet=ws.title, row=row))
                row += 1
            if r.random() < 0.2:
                skp.append(dict(file=rel, sheet=ws.title, row=row, reason='blank', text=None))
                row += 1
        if gstart and row - 1 > gstart:
            ws.merge_cells(start_row=gstart, start_column=1, end_row=row - 1, end_column=1)
        k = bad_kind.get(u) if fperiod == '2023-12' else None
        if k:
            i = mine[0]
            ws.cell(row, 2, 31 if k == 'no31' else i['no'])
            ws.cell(row, 3, '（新增）科技金融指数' if k == 'no31' else i['name'])
            if k == 'badpart':
                # a part the indicator does not have
                ws.cell(row, 4, '省级' if not i.get('part') else '占比' if i['no'] != 9 else '国家级')
            elif i.get('part'):
                ws.cell(row, 4, i['part'])
            ws.cell(row, 5, 2018 if k == 'year2018' else 2023)
            ws.cell(row, 6, '待核实' if k == 'tbv' else (ratings[0] if i.get('qualitative') else i['target']))
            ws.cell(row, 7, i.get('unit'))
            cell = {'no31': 'B', 'badpart': 'D', 'tbv': 'F', 'year2018': 'E'}[k] + str(row)
            rej.append(dict(file=rel, sheet=ws.title, row=row, cell=cell, kind=k))
            row += 1
        skp.append(dict(file=rel, sheet=ws.title, row=row, reason='blank', text=None))
        row += 1
        ws.cell(row, 1, '填报人：林静')
        ws.cell(row, 5, '联系电话：0750-3500000')
        skp.append(dict(file=rel, sheet=ws.title, row=row, reason='footer', text='填报人'))
        row += 1
        ws.cell(row, 1, '说明：数据截至2023年底，定性指标填写优秀/良好/一般/较差。')
        skp.append(dict(file=rel, sheet=ws.title, row=row, reason='footer', text='说明'))
        wb.save(os.path.join(a.out, rel))
        files.append(dict(file=rel, accepted=acc, rejected=rej, skipped=skp))
    periods = {}
    for P in ['2023-08', '2023-12']:
        reported = {}
        sent = set()
        for (u, fp), vals in sorted(by_send.items(), key=lambda kv: kv[0][1]):
            if fp <= P:
                sent.add(u)
                for k, v in vals.items():
                    reported.setdefault(k, {})[u] = v      # a later return replaces the earlier one
        files = files_by_period.get(P, [])
        missing = sorted(u for u in units if u not in sent)
        periods[P] = truth_for(P, inds, ratings, reported, files, missing)
    json.dump(dict(pipeline='jiangmen-innovation-city', seed=a.seed, periods=periods,
                   month_folders={'2023-06': '2023年6月'}),
              open(os.path.join(a.out, 'truth.json'), 'w'), ensure_ascii=False, indent=1)


def truth_for(P, inds, ratings, reported, files, missing):
    # truth per indicator × part × year
    rows = []
    order = {v: k for k, v in enumerate(ratings)}
    for i in inds:
        cf = i.get('counts_from', i['monitors'] if len(i['monitors']) == 1 else None)
        cf = [cf] if isinstance(cf, str) else cf
        for y in YEARS:
            rep = reported.get((i['no'], i.get('part'), y), {})
            vals = [rep[u] for u in cf if u in rep]
            e = dict(no=i['no'], part=i.get('part'), year=y, counts_from=cf, reported={u: v for u, v in rep.items()})
            if 0 < len(vals) < len(cf):
                # several counting units, only some reported so far: partial sum or none? (not stated)
                e['ambiguous'] = 'value from only %d of %d counting units' % (len(vals), len(cf))
            if not vals:
                e.update(value=None, met=None, progress=None)
            elif i.get('qualitative'):
                v = vals[0]
                e.update(value=v, met=order[v] <= order[i['target_rating']], progress=None)
            else:
                v = round(sum(vals), 10)
                base, tgt = i['base'], i['target']
                if tgt == base:
                    e.update(value=v, met=None, progress=None, note='target = base: direction not stated, met/progress not checked')
                else:
                    met = v >= tgt if tgt > base else v <= tgt
                    e.update(value=v, met=met, progress=(v - base) / (tgt - base))
            rows.append(e)
    T = dict(indicator_rows=rows, missing_returns=missing,
             accepted_rows=sum(len(f['accepted']) for f in files),
             rejected_rows=sum(len(f['rejected']) for f in files),
             rejected_cells=[x for f in files for x in f['rejected']],
             skipped_rows=[x for f in files for x in f['skipped']],
             project_rows=[x for f in files for x in f['accepted'] + f['rejected']],
             expected_warnings=[], projects_current=[], stages_city=None, metrics={})
    return T


if __name__ == '__main__':
    main()
