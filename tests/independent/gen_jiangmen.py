#!/usr/bin/env python3
"""Independent generator of 江门 returns as real clerks fill them (issue 8), with the true
figures computed from this script's own model (DESIGN §1, §2, §3).

    python3 gen_jiangmen.py --out DIR --seed N

Writes DIR/<month folder>/*.xlsx and DIR/truth.json:
  truth["periods"]["2025-03"] = {metrics..., accepted_rows, rejected_rows, rejected_cells,
                                 skipped_rows, project_rows, missing_returns}
Nothing here reads the product's code or its generator.
"""
import argparse, datetime as dt, json, os, random, unicodedata, re
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

COUNTIES = ['蓬江区', '江海区', '新会区', '台山市', '开平市', '鹤山市', '恩平市']
CHAINS = ['新一代电子信息', '新能源电池', '新型储能', '硅能源', '先进材料', '高端装备制造', '智能家电',
          '现代轻工纺织', '现代农业与食品', '生物医药与健康', '金属制品', '造纸及纸制品', '汽车及零部件',
          '摩托车及零部件', '水暖卫浴']
YEAR = 2025
# (month, folder name as the clerks wrote it)
MONTHS = [(1, '2025-01'), (2, '2025-02'), (3, '2025-3'), (4, '2025年4月')]
STAGES = ['签约', '注册', '开工', '投产']
# progress text -> stage it must give by the pipeline's declared keywords / aliases
PROGRESS = {
    '签约': ['签约', '已签约', '正在进行土地摘牌', '正在办理用地报批手续', '已签约，计划年底投产', '说明：正在办理环评'],
    '注册': ['注册', '已注册', '已完成工商登记', '已领取营业执照，正在办理用地手续'],
    '开工': ['开工', '在建', '主体结构施工，已完成投资40%', '设备安装调试中', '厂房建设中，预计6月封顶', '累计完成投资2亿元，主体结构施工', '合计已投入1.2亿元，桩基施工中'],
    '投产': ['投产', '已投产', '竣工投产', '已建成投产', '试生产阶段', '其中：一期已投产', '注：一期已竣工投产'],
}
REMARKS = ['说明：已完成备案', '注：用地待落实', '累计完成投资2亿元', '其中：设备投资1.5亿元',
           '合计投资含二期', '备注：外资项目', '注：项目用地已摘牌', '说明', '累计', '其中', '合计']
NAME_PARTS = ['智能', '新材料', '精密', '电子', '储能', '汽车零部件', '五金', '卫浴', '纸业', '食品',
              '生物', '光伏', '电池', '装备', '家电', '纺织', '摩配', '医疗器械', '半导体', '铝型材']
NAME_KIND = ['生产基地项目', '扩产项目', '研发总部项目', '产业园项目', '智能制造项目', '二期项目']
INV_HEAD = ['广东', '江门', '深圳', '佛山', '香港', '中山', '珠海']
INV_TAIL = ['科技有限公司', '实业有限公司', '集团有限公司', '新材料股份有限公司', '电器有限公司']
LATIN = ['TCL', 'ABC', 'KMT', 'HX', 'GD', 'JM', 'LED', 'EV']
PLACES = {'台山市': ['台山市广海镇', '台山市水步镇', '台山', '台山市'],
          '蓬江区': ['蓬江区棠下镇工业园', '蓬江区杜阮镇', '蓬江'],
          '江海区': ['江门市江海区高新技术产业园', '江门高新区', '江海区'],
          '新会区': ['新会区崖门镇', '新会', '江门市新会区'],
          '开平市': ['开平市翠山湖科技产业园', '开平'],
          '鹤山市': ['鹤山市共和镇', '鹤山'],
          '恩平市': ['恩平市恩城街道', '恩平']}
FW = str.maketrans('0123456789.ABCDEFGHIJKLMNOPQRSTUVWXYZ', '０１２３４５６７８９．ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ')


def norm(s):
    s = unicodedata.normalize('NFKC', s or '').strip()
    s = re.sub(r'\s+', ' ', s)
    return ''.join(c.lower() if c.isascii() else c for c in s)


def month_end(m):
    return dt.date(YEAR, m + 1, 1) - dt.timedelta(days=1) if m < 12 else dt.date(YEAR, 12, 31)


class Gen:
    def __init__(self, seed, out):
        self.r = random.Random(seed)
        self.seed = seed
        self.out = out
        self.used_names = set()
        self.files = {}      # month -> list of file records
        self.seq = 0

    # ------------------------------------------------------------------ model
    def new_name(self):
        while True:
            nm = f'年产{self.r.randint(1, 99)}万件{self.r.choice(NAME_PARTS)}{self.r.choice(NAME_KIND)}'
            if self.r.random() < 0.3:
                nm = f'{self.r.choice(LATIN)}{self.r.choice(NAME_PARTS)}{self.r.choice(NAME_KIND)}'
            if nm not in self.used_names:
                self.used_names.add(nm)
                return nm

    def new_investor(self):
        mid = self.r.choice(LATIN) if self.r.random() < 0.5 else self.r.choice(NAME_PARTS)
        if self.r.random() < 0.2:
            return f'{self.r.choice(INV_HEAD)}（{mid}）{self.r.choice(INV_TAIL)}'
        return f'{self.r.choice(INV_HEAD)}{mid}{self.r.choice(INV_TAIL)}'

    def amount(self):
        x = self.r.random()
        if x < 0.08:
            return 10.0
        if x < 0.30:
            return round(self.r.uniform(10, 45), 2)
        if x < 0.45:
            return float(self.r.randint(1, 9))                 # round: can be written 约N亿
        if x < 0.55:
            return round(self.r.randint(6, 19) * 0.05, 2)       # < 1 亿: can be written 近N万
        return round(self.r.uniform(0.3, 9.9), 2)

    def new_project(self, county, pid_prefix, year=YEAR):
        r = self.r
        sector = '制造业' if r.random() < 0.75 else r.choice(['服务业', '文旅', '农业', '其他', '建筑业'])
        if sector == '制造业' and r.random() < 0.72:
            chain = r.choice(CHAINS)
            chain_text = chain + ('产业链' if r.random() < 0.4 else '')
        else:
            chain = None
            chain_text = r.choice(['其他', '非重点产业链', '', '', '数字创意', '/'])
        if year == YEAR:
            m = r.randint(1, 4)
            signed = dt.date(YEAR, m, r.randint(1, 25))
        else:
            signed = dt.date(year, r.randint(3, 12), r.randint(1, 28))
        stage = r.choice(STAGES)
        self.seq += 1
        p = dict(county=county, id=f'{pid_prefix}{YEAR}{self.seq:03d}', name=self.new_name(),
                 investor=self.new_investor(), sector=sector, chain=chain, chain_text=chain_text,
                 amount={}, signed=signed, stage=stage, stage_blank=r.random() < 0.15,
                 land=round(r.uniform(20, 300), 1), output=r.randint(5, 200) * 1000,
                 tax=r.randint(2, 80) * 100)
        base = self.amount()
        for mm in range(1, 5):
            p['amount'][mm] = base
        if r.random() < 0.15:           # revised in a later month
            k = r.randint(2, 4)
            nb = round(base * r.choice([1.2, 0.8, 1.5]), 2)
            for mm in range(k, 5):
                p['amount'][mm] = nb
        if p['stage_blank']:
            # stage from the dates: furthest stage that has a date
            p['stage'] = r.choice(['签约', '注册'])
        d = signed
        p['registered'] = d + dt.timedelta(days=3) if STAGES.index(p['stage']) >= 1 else None
        p['started'] = d + dt.timedelta(days=5) if STAGES.index(p['stage']) >= 2 else None
        p['producing'] = d + dt.timedelta(days=8) if STAGES.index(p['stage']) >= 3 else None
        # a planned producing month (text, month only) on some projects already at 开工
        p['producing_plan'] = None
        if p['stage'] == '开工' and not p['stage_blank'] and r.random() < 0.6:
            p['producing_plan'] = r.choice(['2025.11', '2025年11月', '2025/11', '2025.10', '2026年3月'])
        p['text_stage'] = r.choice(PROGRESS[p['stage']])
        return p

    def build_model(self):
        r = self.r
        self.projects = {}
        for c in COUNTIES:
            pre = {'蓬江区': 'PJ', '江海区': 'JH', '新会区': 'XH', '台山市': 'TS', '开平市': 'KP',
                   '鹤山市': 'HS', '恩平市': 'EP'}[c]
            ps = [self.new_project(c, pre) for _ in range(r.randint(7, 11))]
            old = [self.new_project(c, pre, year=2024) for _ in range(r.randint(1, 2))]
            if r.random() < 0.5:
                old[0]['numbered_name'] = '二、' + old[0]['name']
                old[0]['name'] = old[0]['numbered_name']
            ps += old
            self.projects[c] = ps
        # bureau-only projects (市商务局), each with its county
        self.bureau_only = []
        for _ in range(r.randint(3, 5)):
            c = r.choice(COUNTIES)
            p = self.new_project(c, 'SW')
            p['place'] = r.choice(PLACES[c])
            self.bureau_only.append(p)
        # talent model
        self.talent = {}
        for c in COUNTIES:
            tot = r.randint(900, 1800)
            new = 0
            hous = 0
            req = r.randint(10, 40)
            arr = req - r.randint(0, 5)
            for m in range(1, 5):
                new += r.randint(5, 30)
                hous += r.randint(20, 90)
                req += r.randint(0, 10)
                arr = min(req, arr + r.randint(0, 10))
                self.talent[(c, m)] = dict(total=tot + 7 * m, new=new, housing=hous, req=req, arr=arr)
        # one county with a much larger stock, written 1.2万 / 1.35万
        big_c = r.choice(COUNTIES)
        for m in range(1, 5):
            self.talent[(big_c, m)]['total'] = [12000, 12000, 13500, 13500][m - 1]
        self.talent_big = big_c

    # ------------------------------------------------------------------ writers
    def date_cell(self, d, form, ret_month):
        """value to put in the cell, and the date it truly means"""
        if d is None:
            return None, None
        if form == 'cell':
            return dt.datetime(d.year, d.month, d.day), d
        if form == 'serial':
            return (d - dt.date(1899, 12, 30)).days, d
        if form == 'cn':
            t = f'{d.year}年{d.month}月{d.day}日'
            return (t.translate(FW) if self.r.random() < 0.2 else t), d
        if form == 'dot':
            return f'{d.year}.{d.month}.{d.day}', d
        if form == 'slash':
            return f'{d.year}/{d.month}/{d.day}', d
        if form == 'iso':
            return d.isoformat(), d
        if form == 'noyear':
            assert d.year == YEAR and d.month <= ret_month
            return f'{d.month}月{d.day}日', d
        if form.startswith('month'):
            t = {'month_dot': f'{d.year}.{d.month}', 'month_cn': f'{d.year}年{d.month}月',
                 'month_slash': f'{d.year}/{d.month}'}[form]
            return t, dt.date(d.year, d.month, 1)
        raise ValueError(form)

    def pick_date_form(self, d, ret_month):
        forms = ['cell', 'cell', 'serial', 'cn', 'dot', 'slash', 'iso', 'month_dot', 'month_cn', 'month_slash']
        if getattr(self, 'csv_mode', False):
            forms = forms[3:]
        if d.year == YEAR and d.month <= ret_month:
            forms += ['noyear', 'noyear']
        return self.r.choice(forms)

    def amount_cell(self, v, unit, allow_fw=False):
        """v in 亿元; unit of the column ('万元' or '亿元'); returns the cell value"""
        r = self.r
        x = r.random()
        if x < 0.12 and v == int(v) and v <= 10:
            return f'约{int(v)}亿'
        if x < 0.20 and round(v * 10) == v * 10 and v >= 1:
            return f'{v:g}亿元左右'
        if x < 0.30 and v < 1 and round(v * 10000) % 100 == 0:
            return f'近{int(round(v * 10000))}万'
        if x < 0.36:
            return f'{v:g}亿'
        if x < 0.40:
            return f'{int(round(v * 10000))}万元'
        if unit == '万元':
            w = round(v * 10000, 4)
            if x < 0.50 and w >= 1000 and w == int(w):
                return f'{int(w):,}'
            return int(w) if w == int(w) else w
        if allow_fw and x < 0.55:
            return f'{v:g}'.translate(FW)
        return v

    # ------------------------------------------------------------------ a ledger
    def write_ledger(self, month, folder, fname, filer_text, layout, rows_model, fill_date, extra_bad,
                     county_of_filer=None):
        """layout: dict with 'cols' [(key, header)], 'unit' (money unit of the amount column),
        'note' placement, 'two_row' group, 'sections' style.  rows_model: list of project dicts."""
        r = self.r
        wb = Workbook()
        ws = wb.active
        ws.title = layout.get('sheet', 'Sheet1')
        cols = layout['cols']
        ncol = len(cols)
        colidx = {k: i + 1 for i, (k, _) in enumerate(cols)}
        L = lambda k: get_column_letter(colidx[k])
        top = 1
        if layout.get('annex'):
            ws.cell(1, 1, '附件1')
            ws.cell(2, 1, None)
            top = 3
        ws.cell(top, 1, layout['title'])
        ws.merge_cells(start_row=top, start_column=1, end_row=top, end_column=ncol)
        row = top + 1
        if filer_text:
            ws.cell(row, 1, f'填报单位：{filer_text}')
        ws.cell(row, max(ncol - 2, 3), f'填报日期：{fill_date}')
        row += 1
        if layout.get('note'):
            ws.cell(row, 1, layout['note'])
            row += 1
        hdr = row
        if layout.get('two_row'):
            g0, g1, gtitle = layout['two_row']
            for i, (k, h) in enumerate(cols, 1):
                if g0 <= i <= g1:
                    ws.cell(hdr + 1, i, h)
                else:
                    ws.cell(hdr, i, h)
                    ws.merge_cells(start_row=hdr, start_column=i, end_row=hdr + 1, end_column=i)
            ws.cell(hdr, g0, gtitle)
            ws.merge_cells(start_row=hdr, start_column=g0, end_row=hdr, end_column=g1)
            row = hdr + 2
        else:
            for i, (k, h) in enumerate(cols, 1):
                ws.cell(hdr, i, h)
            if layout.get('unit_right'):
                ws.cell(hdr, ncol + 1, layout['unit_right'])
            row = hdr + 1
        as_csv = fname.endswith('.csv')
        self.csv_mode = as_csv
        rel = f'{folder}/{fname}'
        if as_csv:
            ws.title = 'csv'
        sheet = ws.title if not as_csv else os.path.splitext(fname)[0]
        skipped, accepted, rejected, warns = [], [], [], []
        unit = layout['unit']

        def put_project(p, bad=None):
            nonlocal row
            vals = {}
            for k, _ in cols:
                vals[k] = None
            vals['seq'] = put_project.n
            put_project.n += 1
            vals['id'] = p['id'] if 'id' in colidx and self.r.random() > 0.0 else None
            if vals['id'] and p['county'] == '江海区' and r.random() < 0.4:
                vals['id'] = vals['id'].translate(FW)
            vals['name'] = p.get('name_written', p['name'])
            if p['signed'].year < YEAR and p.get('numbered_name'):
                vals['name'] = p['numbered_name']
            vals['investor'] = p.get('investor_written', p['investor'])
            if 'county' in colidx:
                vals['county'] = p.get('place') or r.choice(PLACES[p['county']])
            vals['sector'] = p['sector'] if not (p['sector'] == '服务业' and r.random() < 0.5) else '现代服务业'
            vals['chain'] = p['chain_text'] or None
            v = p['amount'][month]
            vals['amount'] = self.amount_cell(v, unit, allow_fw=layout.get('fw', False)) if not layout.get('plain_numbers') \
                else round(v * 10000, 4)
            if layout.get('wan_under_yi') and not bad:
                # 万元 typed under a 亿元 header: the column is implausible; unit-less values are rejected
                vals['amount'] = round(v * 10000) if r.random() < 0.85 else f'{v:g}亿'
                if not isinstance(vals['amount'], str):
                    bad = 'implausible'
                    implausible_row = True
            if layout.get('row_units'):
                ru = r.choice(['万元', '亿元'])
                vals['amount_unit'] = ru
                vals['amount'] = round(v * 10000, 4) if ru == '万元' else v
            sform = self.pick_date_form(p['signed'], month)
            vals['signed'], true_signed = self.date_cell(p['signed'], sform, month)
            f2 = r.choice(['cell', 'cn', 'iso', 'dot'] if not as_csv else ['cn', 'iso', 'dot'])
            vals['registered'], _ = self.date_cell(p['registered'], f2, month)
            vals['started'], _ = self.date_cell(p['started'], f2, month)
            if p['producing'] is not None:
                vals['producing'], _ = self.date_cell(p['producing'], f2, month)
            else:
                vals['producing'] = p['producing_plan']
            vals['stage'] = None if p['stage_blank'] else p['text_stage']
            vals['land'] = p['land'] if r.random() < 0.8 else r.choice(['待落实', '#N/A'])
            vals['output'] = p['output']
            vals['tax'] = p['tax']
            vals['remark'] = r.choice(REMARKS) if r.random() < 0.6 else None
            bad_cell = None
            if bad == 'implausible':
                bad_cell = f"{L('amount')}{row}"
            if bad == 'noname':
                vals['name'] = None
                bad_cell = f"{L('name')}{row}"
            elif bad == 'tbd':
                vals['amount'] = '待定'
                bad_cell = f"{L('amount')}{row}"
            elif bad == 'late':
                late = dt.date(YEAR, month + 1, r.randint(2, 27))
                vals['signed'] = r.choice([late.isoformat(), f'{late.year}年{late.month}月{late.day}日',
                                           dt.datetime(late.year, late.month, late.day)])
                bad_cell = f"{L('signed')}{row}"
            elif bad == 'ref':
                vals['amount'] = '#REF!'
                bad_cell = f"{L('amount')}{row}"
            elif bad == 'city':
                vals['county'] = r.choice(['江门市', '全市'])
                bad_cell = f"{L('county')}{row}"
            for k, _ in cols:
                if vals.get(k) is not None:
                    c = ws.cell(row, colidx[k], vals[k])
                    if isinstance(vals[k], dt.datetime):
                        c.number_format = 'yyyy-mm-dd' if r.random() < 0.5 else 'yyyy"年"m"月"d"日"'
            if not bad:
                here = lambda k: f"{L(k)}{row}"
                av = vals['amount']
                if isinstance(av, str) and ('约' in av or '近' in av or '左右' in av):
                    warns.append(dict(file=rel, sheet=sheet, cell=here('amount'), kind='approximate amount', raw=av))
                if sform == 'noyear' or sform.startswith('month'):
                    warns.append(dict(file=rel, sheet=sheet, cell=here('signed'), kind='date ' + sform, raw=vals['signed']))
                if vals.get('land') in ('待落实', '#N/A') and 'land' in colidx:
                    warns.append(dict(file=rel, sheet=sheet, cell=here('land'), kind='unreadable optional', raw=vals['land']))
                if vals.get('chain') == '数字创意':
                    warns.append(dict(file=rel, sheet=sheet, cell=here('chain'), kind='unknown chain', raw='数字创意'))
            if p['stage_blank']:
                have = [i for i, k in enumerate(['signed', 'registered', 'started', 'producing'])
                        if k in colidx and vals.get(k) is not None and not (k == 'producing' and p['producing'] is None)]
                row_stage = STAGES[max(have)]
            else:
                row_stage = p['stage']
            if bad:
                rejected.append(dict(file=rel, sheet=sheet, row=row, cell=bad_cell, kind=bad))
            else:
                accepted.append(dict(file=rel, sheet=sheet, row=row, project=p, signed=true_signed.isoformat(), stage=row_stage))
            row += 1
        put_project.n = 1

        def skip(reason, text):
            nonlocal row
            skipped.append(dict(file=rel, sheet=sheet, row=row, reason=reason, text=text))
            row += 1

        def blank():
            skip('blank', None)

        def section(text, sub_yi=None):
            style = r.random()
            if style < 0.25:
                # Chinese numeral in 序号, the title in the name column
                num, _, rest = text.partition('、') if '、' in text else ('一', '', text)
                ws.cell(row, colidx['seq'], num.strip('（）()') or '一')
                ws.cell(row, colidx['name'], rest or text)
            elif layout.get('section_col', 'seq') == 'seq':
                ws.cell(row, 1, text)
                ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=min(4, ncol))
            else:
                ws.cell(row, colidx['name'], text)
            if sub_yi is not None and r.random() < 0.3:
                # a section row carrying its subtotal
                ws.cell(row, colidx['amount'], round(sub_yi * (10000 if unit == '万元' else 1), 2))
            skip('section', text)

        def total(label, amount_yi, where='seq'):
            ws.cell(row, colidx['seq'] if where == 'seq' else colidx['name'], label)
            a = amount_yi * 10000 if unit == '万元' else amount_yi
            ws.cell(row, colidx['amount'], round(a, 2))
            if 'amount_unit' in colidx:
                ws.cell(row, colidx['amount_unit'], unit)
            skip('total', label)

        mfg = [p for p in rows_model if p['sector'] == '制造业']
        oth = [p for p in rows_model if p['sector'] != '制造业']
        bads = list(extra_bad)
        groups = r.choice([[('（一）制造业项目', mfg), ('（二）其他项目', oth)],
                           [('一、已签约项目', mfg), ('三、拟落地项目', oth)],
                           [('(1)先进制造业项目', mfg), ('第二部分 服务业及其他项目', oth)]])
        grand = 0.0
        for title, ps in groups:
            section(title, sum(p['amount'][month] for p in ps))
            put_project.n = 1
            sub = 0.0
            for p in ps:
                if r.random() < 0.12:
                    blank()
                if bads and r.random() < 0.35:
                    bp = bads.pop()
                    put_project(bp[1], bad=bp[0])
                put_project(p)
                sub += p['amount'][month]
            while bads and title == groups[-1][0]:
                bp = bads.pop()
                put_project(bp[1], bad=bp[0])
            if r.random() < 0.6:
                total('小计', sub)
            grand += sub
        if r.random() < 0.3:   # pre-numbered empty rows
            for k in range(2):
                ws.cell(row, colidx['seq'], put_project.n + k)
                skip('blank', None)
        total('合计', grand, where=r.choice(['seq', 'name']))
        ws.cell(row, colidx['name'], '其中：制造业')
        ws.cell(row, colidx['amount'], round(sum(p['amount'][month] for p in mfg) * (10000 if unit == '万元' else 1), 2))
        skip('total', '其中：制造业')
        blank()
        if r.random() < 0.3:
            ws.cell(row, min(5, ncol), '填报人：赵雪梅    审核人：钟伟    联系电话：0750-3221234')
            skip('footer', '填报人：赵雪梅')
        elif r.random() < 0.5:
            ws.cell(row, 1, '填报人：张晓明')
            ws.cell(row, 4, '审核人：李国强')
            ws.cell(row, 7, '联系电话：0750-3' + str(r.randint(100000, 999999)))
            skip('footer', '填报人：张晓明')
        else:
            ws.cell(row, 1, '填报人：陈丽')
            skip('footer', '填报人：陈丽')
            ws.cell(row, 1, '审核人：黄志华')
            skip('footer', '审核人：黄志华')
            ws.cell(row, 1, '联系电话：13800001111')
            skip('footer', '联系电话：13800001111')
        ws.cell(row, 1, '说明：1.本表按月报送，项目按签约时间统计；2.计划总投资以签约文本为准。')
        skip('footer', '说明：1.本表按月报送')
        unrec = []
        if not as_csv and r.random() < 0.25:
            ws2 = wb.create_sheet('填表说明')
            ws2.cell(1, 1, '填表说明')
            ws2.cell(2, 1, '1. 计划总投资按签约文本填写；')
            ws2.cell(3, 1, '2. 项目进度填写签约、注册、开工、投产之一，或简述进展。')
            unrec = [dict(file=rel, sheet='填表说明', rule='unrecognised_sheet')]
        path = os.path.join(self.out, folder, fname)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if as_csv:
            import csv
            with open(path, 'w', encoding='gbk', newline='') as fh:
                w = csv.writer(fh)
                for rr in range(1, ws.max_row + 1):
                    out = []
                    for cc in range(1, ws.max_column + 1):
                        v = ws.cell(rr, cc).value
                        out.append('' if v is None else v.date().isoformat() if isinstance(v, dt.datetime) else v)
                    w.writerow(out)
            self.csv_mode = False
        else:
            wb.save(path)
        sheet_warn = [dict(file=rel, sheet=sheet, rule='implausible_unit')] if layout.get('implausible') or layout.get('wan_under_yi') else []
        return dict(file=rel, sheet=sheet, accepted=accepted, rejected=rejected, skipped=skipped, warnings=warns,
                    sheet_warnings=sheet_warn + unrec)

    def bad_project(self, county):
        p = self.new_project(county, 'BAD')
        p['signed'] = dt.date(YEAR, 1, self.r.randint(2, 20))
        p['stage_blank'] = False
        return p

    # ------------------------------------------------------------------ layouts
    def layout(self, c, month):
        base = [('seq', '序号')]
        if c == '蓬江区':
            cols = base + [('name', '项目名称'), ('investor', '投资主体'), ('sector', '行业类别'), ('chain', '产业链'),
                           ('amount', '计划总投资'), ('land', '用地面积'), ('signed', '签约时间'), ('registered', '注册时间'),
                           ('started', '开工时间'), ('producing', '投产时间'), ('stage', '进展情况'), ('remark', '备注')]
            return dict(cols=cols, unit='万元', note='单位：万元、亩', title=f'蓬江区{YEAR}年{month}月招商引资项目台账',
                        filer='蓬江区投资促进局')
        if c == '江海区':
            cols = base + [('id', '项目编号'), ('name', '项目名称'), ('investor', '投资方'), ('chain', '所属产业链'),
                           ('sector', '所属行业'), ('amount', '总投资'), ('signed', '签约日期'), ('stage', '项目进度'),
                           ('output', '预计年产值'), ('tax', '预计年税收'), ('remark', '备注')]
            return dict(cols=cols, unit='万元', note='计量单位：万元', title=f'江海区（江门高新区）重点招商项目台账',
                        filer='江门高新区', section_col='name')
        if c == '新会区':
            cols = base + [('name', '项目名称'), ('investor', '投资企业'), ('sector', '项目类别'), ('chain', '重点产业链'),
                           ('amount', '计划投资额'), ('signed', '签约时间'), ('started', '开工时间'), ('stage', '进展情况'),
                           ('remark', '备注')]
            return dict(cols=cols, unit='万元', title='新会区招商引资项目台账（单位：万元）', filer='江门市新会区', annex=True)
        if c == '台山市':
            cols = base + [('name', '项目名称'), ('investor', '投资企业'), ('county', '落户地'), ('sector', '行业类别'),
                           ('chain', '产业链'), ('amount', '计划总投资'), ('signed', '签约日期'), ('registered', '注册时间'),
                           ('stage', '进展情况'), ('remark', '备注')]
            return dict(cols=cols, unit='万元', unit_right='单位：万元', title=f'台山市{YEAR}年招商引资项目台账',
                        filer='台山市投资促进局')
        if c == '开平市':
            cols = base + ([('id', '项目编号')] if month in (1, 3) else []) + [
                ('name', '项目名称'), ('investor', '投资主体'), ('sector', '行业类别'), ('chain', '产业链'),
                ('amount', '计划总投资'), ('output', '预计年产值'), ('signed', '签约日期'), ('stage', '项目进度'),
                ('remark', '备注')]
            g0 = [k for k, _ in cols].index('amount') + 1
            return dict(cols=cols, unit='万元', two_row=(g0, g0 + 1, '投资情况（万元）'),
                        title=f'开平市招商引资项目推进情况表', filer='开平')
        if c == '鹤山市':
            cols = base + [('name', '项目名称'), ('investor', '主要投资方名称'), ('sector', '产业类别'), ('chain', '产业链名称'),
                           ('amount', '计划总投资（亿元）'), ('signed', '签约日期'), ('started', '开工日期'),
                           ('producing', '投产日期'), ('stage', '当前阶段'), ('remark', '备注')]
            return dict(cols=cols, unit='亿元', fw=True, title='鹤山市招商引资项目台账', filer='鹤山市投资促进局',
                        wan_under_yi=(self.seed % 3 == 0 and month == 4))
        if c == '恩平市':
            cols = base + [('name', '项目名'), ('investor', '投资单位'), ('sector', '行业类别'), ('chain', '产业链'),
                           ('amount', '投资总额'), ('signed', '签约时间'), ('stage', '项目阶段'), ('remark', '备注')]
            if self.seed % 2 == 0:
                return dict(cols=cols, unit='万元', plain_numbers=True, implausible=True, title='恩平市招商引资项目台账',
                            filer=None)
            # odd seeds: 计划总投资 over 金额 / 单位 (a unit per row)
            cols = base + [('name', '项目名'), ('investor', '投资单位'), ('sector', '行业类别'), ('chain', '产业链'),
                           ('amount', '金额'), ('amount_unit', '单位'), ('signed', '签约时间'), ('stage', '项目阶段'),
                           ('remark', '备注')]
            g0 = [k for k, _ in cols].index('amount') + 1
            return dict(cols=cols, unit='万元', two_row=(g0, g0 + 1, '计划总投资'), row_units=True,
                        title='恩平市招商引资项目台账', filer=None)   # filer from file name
        raise KeyError(c)

    def bureau_layout(self):
        cols = [('seq', '序号'), ('name', '项目名称'), ('investor', '投资企业'), ('county', '所属县(市、区)'),
                ('chain', '产业链'), ('sector', '行业类别'), ('amount', '计划总投资（亿元）'), ('signed', '签约日期'),
                ('stage', '项目进度'), ('remark', '备注')]
        return dict(cols=cols, unit='亿元', title='市商务局重点招商项目统计表', filer='江门市商务局', sheet='重点项目')

    # ------------------------------------------------------------------ talent
    def write_talent(self, month, folder, fname):
        r = self.r
        wb = Workbook()
        ws = wb.active
        ws.title = '人才及要素保障'
        hdr = ['序号', '县(市、区)', '高层次人才总量', '本年新引进高层次人才', '新增筹建保障性租赁住房(套/间)',
               '人才子女入学申请数', '人才子女入学安排数', '备注']
        ws.cell(1, 1, f'{YEAR}年{month}月人才及要素保障情况表')
        ws.cell(2, 1, '填报单位：江门市人才工作局')
        ws.cell(2, 6, f'填报日期：{YEAR}年{month + 1}月3日')
        for i, h in enumerate(hdr, 1):
            ws.cell(3, i, h)
        names = {'蓬江区': '蓬江区', '江海区': '江门高新区', '新会区': '新会', '台山市': '台山市', '开平市': '开平市',
                 '鹤山市': '鹤山', '恩平市': '恩平市'}
        rel = f'{folder}/{fname}'
        accepted, skipped = [], []
        row = 4
        for i, c in enumerate(COUNTIES, 1):
            t = self.talent[(c, month)]
            tot = t['total'] - (50 if c == '江海区' else 0)       # the county's own figure wins
            new_v = t['new'] - (3 if c == '江海区' else 0)
            tot_cell = f'{tot / 10000:g}万' if tot >= 10000 else (f'{tot:,}' if r.random() < 0.3 else tot)
            vals = [i, names[c], tot_cell, new_v, t['housing'], t['req'], t['arr'],
                    r.choice(['累计引进博士12人', '说明：含柔性引进', None, '其中：博士5人'])]
            for j, v in enumerate(vals, 1):
                if v is not None:
                    ws.cell(row, j, v)
            accepted.append(dict(file=rel, sheet=ws.title, row=row))
            row += 1
        tot = {k: sum(self.talent[(c, month)][k] for c in COUNTIES) for k in ['total', 'new', 'housing', 'req', 'arr']}
        tot['total'] -= 50
        tot['new'] -= 3
        ws.cell(row, 2, '合计' if month % 2 else '全市')
        for j, k in enumerate(['total', 'new', 'housing', 'req', 'arr'], 3):
            ws.cell(row, j, tot[k])
        skipped.append(dict(file=rel, sheet=ws.title, row=row, reason='total', text=ws.cell(row, 2).value))
        row += 1
        skipped.append(dict(file=rel, sheet=ws.title, row=row, reason='blank', text=None))
        row += 1
        ws.cell(row, 1, '填报人：王芳')
        ws.cell(row, 4, '联系电话：0750-3288888')
        skipped.append(dict(file=rel, sheet=ws.title, row=row, reason='footer', text='填报人：王芳'))
        path = os.path.join(self.out, folder, fname)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        wb.save(path)
        return dict(file=rel, sheet=ws.title, accepted=accepted, rejected=[], skipped=skipped)

    # ------------------------------------------------------------------ the returns
    def generate(self):
        r = self.r
        self.build_model()
        # which county sends no ledger in March (carried forward) and who sends a correction in Feb
        silent = ('恩平市', 3)
        corr_c = '新会区'
        bureau_months = [1, 2, 4]
        # bad rows: spread over months and counties (each breaks exactly one rule)
        bad_plan = {}
        kinds = ['noname', 'tbd', 'late', 'city', 'ref']
        for m in range(1, 5):
            for k in kinds:
                c = r.choice([x for x in COUNTIES if x != '恩平市']) if k != 'city' else '台山市'
                if k == 'city' and m % 2 == 0:
                    c = '市商务局'
                bad_plan.setdefault((c, m), []).append(k)
        self.effective = {}   # (filer, month) -> accepted project rows (winning file)
        periods = {}
        # 项目流转: a 台山市 project signed in Jan/Feb is listed by 开平市 from March on (and no longer by 台山市)
        cand = [p for p in self.projects['台山市'] if p['signed'].year == YEAR and p['signed'].month <= 2]
        self.moved = cand[0] if cand else None
        self.moved_month = 3
        for m, folder in MONTHS:
            files = []
            for c in COUNTIES:
                if (c, m) == silent:
                    continue
                ps = [p for p in self.projects[c] if p['signed'].year < YEAR or p['signed'].month <= m]
                if self.moved is not None and m >= self.moved_month:
                    if c == '台山市':
                        ps = [p for p in ps if p is not self.moved]
                    if c == '开平市':
                        ps = ps + [dict(self.moved, county='开平市')]
                lay = self.layout(c, m)
                bads = [(k, self.bad_project(c)) for k in bad_plan.get((c, m), [])]
                short = c[:-1]
                fname = r.choice([f'{c}{YEAR}年{m}月招商引资项目台账.xlsx', f'{short}_台账_{YEAR}-{m:02d}.xlsx',
                                  f'附件1-{short}.xlsx'])
                if c == '恩平市':
                    fname = f'恩平市{YEAR}年{m}月招商引资项目台账.xlsx'
                if c == '鹤山市' and m == 2:
                    fname = f'鹤山市{YEAR}年{m}月招商引资项目台账.csv'          # a CSV saved in GBK
                if c == '蓬江区' and m == 3:
                    # sent twice: the re-sent file (later 填报日期) was saved as "(1)" and sorts first
                    older = [dict(p) for p in ps]
                    older[-1] = dict(older[-1], amount={k: round(v * 2 + 0.5, 2) for k, v in older[-1]['amount'].items()})
                    ex = self.new_project(c, 'PJX')
                    ex['signed'] = dt.date(YEAR, 3, 2)
                    older.insert(0, ex)
                    f1 = self.write_ledger(m, folder, f'蓬江区{YEAR}年{m}月招商引资项目台账.xlsx', lay['filer'], lay, older,
                                           f'{YEAR}年4月2日', [])
                    f1['superseded'] = True
                    files.append(f1)
                    f2 = self.write_ledger(m, folder, f'蓬江区{YEAR}年{m}月招商引资项目台账(1).xlsx', lay['filer'], lay, ps,
                                           f'{YEAR}年4月8日', bads)
                    files.append(f2)
                    self.effective[(c, m)] = f2['accepted']
                    continue
                if c == '鹤山市' and m == 3:
                    supp = [p for p in ps if p['signed'].year == YEAR and p['signed'].month == 3][:1]
                    if supp:
                        main_ps = [p for p in ps if p is not supp[0]]
                        f1 = self.write_ledger(m, folder, fname, lay['filer'], lay, main_ps, f'{YEAR}年4月3日', bads)
                        f2 = self.write_ledger(m, folder, f'鹤山市{YEAR}年{m}月招商引资项目台账（补充）.xlsx', lay['filer'],
                                               lay, supp, f'{YEAR}年4月9日', [])
                        files += [f1, f2]
                        self.effective[(c, m)] = f1['accepted'] + f2['accepted']
                        continue
                if c == corr_c and m == 2:
                    # the first file: one amount wrong, one project that the correction withdraws
                    wrong = [dict(p) for p in ps]
                    tgt = wrong[0]
                    tgt['amount'] = dict(tgt['amount'])
                    tgt['amount'][m] = round(tgt['amount'][m] * 3 + 1, 2)
                    extra = self.new_project(c, 'XHX')
                    extra['signed'] = dt.date(YEAR, 2, 3)
                    extra['sector'] = '制造业'
                    wrong.insert(1, extra)
                    # odd seeds: the first file's name sorts before the correction's; even seeds: after it
                    n1 = f'新会区{YEAR}年{m}月招商引资项目台账.xlsx' if self.seed % 2 else f'新会区{YEAR}年{m}月招商引资项目台账（第一次报送）.xlsx'
                    f1 = self.write_ledger(m, folder, n1, lay['filer'], lay,
                                           wrong, f'{YEAR}年3月3日', [])
                    f1['superseded'] = True
                    files.append(f1)
                    f2 = self.write_ledger(m, folder, f'新会区{YEAR}年{m}月招商引资项目台账（更正）.xlsx', lay['filer'],
                                           lay, ps, f'{YEAR}年3月6日', bads)
                    files.append(f2)
                    self.effective[(c, m)] = f2['accepted']
                    continue
                f = self.write_ledger(m, folder, fname, lay['filer'], lay, ps, f'{YEAR}年{m + 1}月{r.randint(2, 9)}日', bads)
                files.append(f)
                self.effective[(c, m)] = f['accepted']
                if c == '江海区':
                    from openpyxl import load_workbook
                    path = os.path.join(self.out, folder, fname)
                    wb = load_workbook(path)
                    ws = wb.create_sheet('人才情况')
                    t = self.talent[(c, m)]
                    ws.cell(1, 1, '填报单位：江门高新区')
                    for j, h in enumerate(['县(市、区)', '高层次人才总量', '本年新引进高层次人才'], 1):
                        ws.cell(2, j, h)
                    for j, v in enumerate(['江海区', t['total'], t['new']], 1):
                        ws.cell(3, j, v)
                    wb.save(path)
                    f['extra_accepted'] = [dict(file=f['file'], sheet='人才情况', row=3)]
            if m in bureau_months:
                ps = []
                # repeats of county projects (same name/investor, written differently; amount may differ)
                for c in COUNTIES:
                    cand = [p for p in self.projects[c] if p['signed'].year == YEAR and p['signed'].month <= m]
                    for p in cand[:2]:
                        q = dict(p)
                        q['amount'] = {mm: round(v * r.choice([1.0, 1.1, 0.9]), 2) for mm, v in p['amount'].items()}
                        q['investor_written'] = (p['investor'].translate(FW) if r.random() < 0.5 else
                                                 p['investor'].replace('（', '(').replace('）', ')')) + \
                            r.choice(['', ' ', '\u3000'])
                        q['name_written'] = r.choice(['', ' ']) + p['name']
                        q['place'] = r.choice(PLACES[c])
                        q['dup_of_county'] = True
                        ps.append(q)
                ps += [p for p in self.bureau_only if p['signed'].month <= m]
                lay = self.bureau_layout()
                bads = [(k, self.bad_project('蓬江区')) for k in bad_plan.get(('市商务局', m), [])]
                f = self.write_ledger(m, folder, f'商务局-重点招商项目{YEAR}-{m:02d}.xlsx', lay['filer'], lay, ps,
                                      f'{YEAR}年{m + 1}月8日', bads)
                files.append(f)
                self.effective[('市商务局', m)] = f['accepted']
            files.append(self.write_talent(m, folder, f'{YEAR}年{m}月人才工作局人才及要素保障情况表.xlsx'))
            periods[f'{YEAR}-{m:02d}'] = self.truth(m, files, missing=[c for c in COUNTIES if (c, m) == silent])
        return periods

    # ------------------------------------------------------------------ truth
    def truth(self, m, files, missing):
        end = month_end(m)
        # effective return of each filer: latest month <= m with a return
        rows = []
        for filer in COUNTIES + ['市商务局']:
            for mm in range(m, 0, -1):
                if (filer, mm) in self.effective:
                    for a in self.effective[(filer, mm)]:
                        rows.append((filer, mm, a))
                    break
        # dedup: county's row wins over a bureau's; same key = (name, investor) normalised
        cur = {}
        for filer, mm, a in rows:
            p = a['project']
            key = (norm(p['name']), norm(p['investor']))
            is_county = filer in COUNTIES
            if key in cur:
                of, omm, oa = cur[key]
                if (of in COUNTIES) and not is_county:
                    continue
                if (of in COUNTIES) == is_county and omm > mm:
                    continue
            cur[key] = (filer, mm, a)
        counted = []
        for filer, mm, a in cur.values():
            p = a['project']
            signed = dt.date.fromisoformat(a['signed'])
            counted.append(dict(county=p['county'], sector=p['sector'], chain=p['chain'],
                                amount=p['amount'][mm], signed=signed, stage=a['stage'], name=p['name']))
        ytd = [x for x in counted if x['signed'].year == YEAR and x['signed'] <= end]
        mfg = [x for x in ytd if x['sector'] == '制造业']
        res = {}

        def put(mid, scope, sv, v):
            res.setdefault(mid, {}).setdefault(scope, {})[sv] = v

        def block(xs, scope, sv):
            tot = sum(x['amount'] for x in xs)
            put('mfg_investment_yi', scope, sv, tot)
            put('big_projects_count', scope, sv, float(sum(1 for x in xs if x['amount'] >= 10)))
            kc = sum(x['amount'] for x in xs if x['chain'])
            if scope != 'chain':
                put('key_chain_share', scope, sv, (kc / tot) if tot else None)
        block(mfg, 'city', '江门市')
        for c in COUNTIES:
            block([x for x in mfg if x['county'] == c], 'county', c)
        for ch in CHAINS:
            xs = [x for x in mfg if x['chain'] == ch]
            if xs:
                block(xs, 'chain', ch)
        # talent: effective talent return (sent every month)
        T = {c: self.talent[(c, m)] for c in COUNTIES}
        for mid, k in [('high_level_talent_total', 'total'), ('new_high_level_talent', 'new'),
                       ('rental_housing_units', 'housing')]:
            put(mid, 'city', '江门市', float(sum(T[c][k] for c in COUNTIES)))
            for c in COUNTIES:
                put(mid, 'county', c, float(T[c][k]))
        put('school_placement_rate', 'city', '江门市', sum(T[c]['arr'] for c in COUNTIES) / sum(T[c]['req'] for c in COUNTIES))
        for c in COUNTIES:
            put('school_placement_rate', 'county', c, T[c]['arr'] / T[c]['req'])
        # stage funnel for the city: projects signed this year (all sectors)
        funnel = {'projects': len(ytd)}
        for i, s in enumerate(STAGES):
            funnel[s] = sum(1 for x in ytd if STAGES.index(x['stage']) >= i)
        acc = sum(len(f['accepted']) + len(f.get('extra_accepted', [])) for f in files)
        rej = sum(len(f['rejected']) for f in files)
        current = [dict(name=x['name'], county=x['county'], sector=x['sector'], chain=x['chain'], amount=x['amount'],
                        signed=x['signed'].isoformat(), stage=x['stage'], filer=f, file=a['file'], row=a['row'])
                   for (f, mm, a), x in zip(cur.values(), counted)]
        moved = []
        if self.moved is not None and m >= self.moved_month:
            moved = [dict(name=self.moved['name'], previous='台山市', current='开平市', month=self.moved_month)]
        return dict(metrics=res, stages_city=funnel, projects_current=current, moved=moved,
                    accepted_rows=acc, rejected_rows=rej,
                    accepted_rows_excluding_superseded=sum(len(f['accepted']) for f in files if not f.get('superseded')),
                    rejected_cells=[x for f in files for x in f['rejected']],
                    expected_warnings=[x for f in files if not f.get('superseded') for x in f.get('warnings', [])],
                    expected_sheet_warnings=[x for f in files for x in f.get('sheet_warnings', [])],
                    skipped_rows=[x for f in files for x in f['skipped']],
                    project_rows=[dict(file=a['file'], sheet=a['sheet'], row=a['row']) for f in files
                                  for a in f['accepted'] + f['rejected'] + f.get('extra_accepted', [])],
                    missing_returns=missing,
                    files=[f['file'] for f in files])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--plain-folders', action='store_true',
                    help='write every month folder as YYYY-MM (isolates the other classes from folder naming)')
    a = ap.parse_args()
    global MONTHS
    if a.plain_folders:
        MONTHS = [(m, f'{YEAR}-{m:02d}') for m, _ in MONTHS]
    os.makedirs(a.out, exist_ok=True)
    g = Gen(a.seed, a.out)
    periods = g.generate()
    truth = dict(pipeline='jiangmen', seed=a.seed,
                 month_folders={f'{YEAR}-{m:02d}': f for m, f in MONTHS}, periods=periods)
    with open(os.path.join(a.out, 'truth.json'), 'w') as fh:
        json.dump(truth, fh, ensure_ascii=False, indent=1, default=str)


if __name__ == '__main__':
    main()
