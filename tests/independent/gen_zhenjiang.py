#!/usr/bin/env python3
"""Independent generator of 镇江 科技招商 returns (DESIGN §7.1, issue 8) with true figures.

    python3 gen_zhenjiang.py --out DIR --seed N

Months 2024-01..2024-03 (plain YYYY-MM folders: the folder-name class is tested by the 江门
generator). Each 板块 sends one workbook with an event sheet and an enterprise sheet; 市科技局 sends
both, repeating some 板块 events (same name + date) and enterprises (same credit code).
Classes: an enterprise with one unlisted 企业类型 tag (must still count, known tags kept); organiser
names such as 丹阳市科技局 (kept); 板块 written as a place below it (丹阳市开发区); an unreadable
optional yes/no (`待定`: null + warning, row counts); 合计/section/blank/footer rows; remarks
starting 说明/注/合计; bad rows (missing 企业名称, a wrong check digit, 落户时间 after the month,
an unknown 活动类型) rejected at their cell.
"""
import argparse, datetime as dt, json, os, random
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

UNITS = ['京口区', '润州区', '丹徒区', '镇江新区', '镇江高新区', '丹阳市', '句容市', '扬中市']
FILER_TEXT = {'京口区': '京口区科技局', '润州区': '镇江市润州区', '丹徒区': '丹徒区科技局', '镇江新区': '镇江经开区',
              '镇江高新区': '镇江高新区管委会', '丹阳市': '丹阳市科技局', '句容市': '句容', '扬中市': '扬中市科技局'}
PLACE = {'京口区': ['京口区', '京口区象山街道'], '润州区': ['润州区', '润州区官塘桥街道'], '丹徒区': ['丹徒区', '丹徒区高资街道'],
         '镇江新区': ['镇江新区', '镇江经开区', '镇江新区大港片区'], '镇江高新区': ['镇江高新区', '高新区'],
         '丹阳市': ['丹阳市开发区', '丹阳市', '丹阳'], '句容市': ['句容市宝华镇', '句容'], '扬中市': ['扬中市', '扬中市新坝镇']}
ADMIN = {'京口区': '321102', '润州区': '321111', '丹徒区': '321112', '镇江新区': '321191', '镇江高新区': '321192',
         '丹阳市': '321181', '句容市': '321183', '扬中市': '321182'}
KINDS = {'请进来': ['请进来', '引进来'], '走出去': ['走出去', '外出招商'], '赛事': ['赛事', '创新创业大赛'], '产学研对接': ['产学研对接', '产学研']}
TAGS = ['科技型中小企业', '高新技术企业', '专精特新“小巨人”', '“三高一资”']
TAG_WRITTEN = {'科技型中小企业': ['科技型中小企业', '科小'], '高新技术企业': ['高新技术企业', '高企'],
               '专精特新“小巨人”': ['专精特新“小巨人”', '专精特新小巨人'], '“三高一资”': ['“三高一资”', '三高一资']}
UNLISTED = ['瞪羚企业', '雏鹰企业', '民营科技企业']
YEAR = 2024
US = '0123456789ABCDEFGHJKLMNPQRTUWXY'
UW = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc(r, admin):
    body = [r.randint(0, 9) for _ in range(8)]
    s = sum(d * w for d, w in zip(body, [3, 7, 9, 10, 5, 8, 4, 2]))
    c9 = 11 - s % 11
    org = ''.join(map(str, body)) + ('X' if c9 == 10 else '0' if c9 == 11 else str(c9))
    code17 = '91' + admin + org
    t = sum(US.index(ch) * w for ch, w in zip(code17, UW))
    return code17 + US[(31 - t % 31) % 31]


def wrong_check(code):
    i = US.index(code[-1])
    return code[:-1] + US[(i + 1) % 31]


def month_end(m):
    return dt.date(YEAR, m + 1, 1) - dt.timedelta(days=1)


class G:
    def __init__(self, seed, out):
        self.r = random.Random(seed)
        self.out = out
        self.used = set()

    def uniq(self, f):
        while True:
            x = f()
            if x not in self.used:
                self.used.add(x)
                return x

    def model(self):
        r = self.r
        self.events, self.ents = {}, {}
        for u in UNITS:
            self.events[u] = []
            for _ in range(r.randint(2, 4)):
                m = r.randint(1, 3)
                d = dt.date(YEAR, m, r.randint(1, 26))
                name = self.uniq(lambda: f'{u[:2]}{r.choice(["生物医药", "新材料", "数字经济", "高端装备", "新能源"])}'
                                         f'{r.choice(["科技招商推介会", "产学研对接会", "创新创业大赛", "北京招商行", "上海专场对接会"])}'
                                         f'（第{r.randint(1, 20)}期）')
                kind = r.choice(list(KINDS))
                org = r.choice([f'{u}科技局', f'{FILER_TEXT[u]}', '镇江市科技局', f'{u[:2]}科技园管委会', '市级', '板块级'])
                self.events[u].append(dict(unit=u, name=name, date=d, kind=kind, org=org,
                                           signed=r.randint(0, 8), place=r.choice(['北京', '上海', '深圳', f'{u}会议中心'])))
            self.ents[u] = []
            for _ in range(r.randint(4, 7)):
                m = r.randint(1, 3)
                d = dt.date(YEAR if r.random() < 0.9 else YEAR - 1, m, r.randint(1, 26))
                tags = r.sample(TAGS, r.randint(1, 2))
                unl = r.choice(UNLISTED) if r.random() < 0.3 else None
                self.ents[u].append(dict(unit=u, name=self.uniq(lambda: f'镇江{r.choice(["瑞", "华", "天", "恒", "博", "新"])}'
                                         f'{r.choice(["科", "创", "芯", "能", "材", "医"])}{r.choice(["智能", "生物", "光电", "新材料", "电子"])}'
                                         f'{r.choice(["科技", "技术"])}有限公司'),
                                         code=uscc(r, ADMIN[u]), date=d, key_park=r.random() < 0.7, incub=r.random() < 0.5,
                                         key_park_text=None, tags=tags, unlisted=unl,
                                         park=r.choice([f'{u[:2]}科技园', f'{u[:2]}高新技术产业园', f'{u[:2]}众创空间'])))
        self.bureau_events = []
        for _ in range(3):
            m = self.r.randint(1, 3)
            self.bureau_events.append(dict(unit=None, name=self.uniq(lambda: f'镇江市{r.choice(["科技招商", "人才科技"])}周活动（{r.randint(1, 99)}）'),
                                           date=dt.date(YEAR, m, r.randint(1, 26)), kind=r.choice(list(KINDS)), org='镇江市科技局',
                                           signed=r.randint(0, 8), place='镇江'))

    def date_val(self, d, m):
        r = self.r
        f = r.choice(['cell', 'cn', 'dot', 'iso', 'noyear'] if d.year == YEAR and d.month <= m else ['cell', 'cn', 'dot', 'iso'])
        if f == 'cell':
            return dt.datetime(d.year, d.month, d.day), f
        if f == 'cn':
            return f'{d.year}年{d.month}月{d.day}日', f
        if f == 'dot':
            return f'{d.year}.{d.month}.{d.day}', f
        if f == 'iso':
            return d.isoformat(), f
        return f'{d.month}月{d.day}日', f

    def sheet(self, ws, title, filer, cols, items, kind, m, rel, acc, rej, skp, warns, bads):
        r = self.r
        ws.cell(1, 1, title)
        if filer:
            ws.cell(2, 1, f'填报单位：{filer}')
        ws.cell(2, len(cols) - 1, f'填报日期：{YEAR}年{m + 1}月5日')
        for i, (k, h) in enumerate(cols, 1):
            ws.cell(3, i, h)
        ci = {k: i + 1 for i, (k, _) in enumerate(cols)}
        row = 4

        def skip(reason, text):
            nonlocal row
            skp.append(dict(file=rel, sheet=ws.title, row=row, reason=reason, text=text))
            row += 1
        if r.random() < 0.5:
            ws.cell(row, 1, '一、本月新增' if kind == 'ent' else '（一）招商活动')
            skip('section', 'section')
        seq = 1
        todo = [(None, x) for x in items] + bads
        r.shuffle(todo)
        for bad, x in todo:
            if r.random() < 0.15:
                skip('blank', None)
            v = {'seq': seq}
            seq += 1
            if kind == 'ev':
                v['name'] = x['name']
                v['date'], f = self.date_val(x['date'], m)
                if 'county' in ci:
                    v['county'] = r.choice(PLACE[x['unit']]) if x['unit'] else None
                v['org'] = x['org']
                v['kind'] = r.choice(KINDS[x['kind']])
                v['place'] = x['place']
                v['signed'] = x['signed']
                v['remark'] = r.choice(['说明：线上线下结合', '注：联合举办', '合计签约3个项目', None, None])
                if bad == 'badkind':
                    v['kind'] = '线上推介'
                    cell = 'kind'
                elif bad == 'late':
                    dd = dt.date(YEAR, m + 1, 10)
                    v['date'] = dd.isoformat()
                    cell = 'date'
            else:
                v['name'] = x['name']
                v['code'] = x['code']
                if 'county' in ci:
                    v['county'] = r.choice(PLACE[x['unit']])
                v['park'] = x['park']
                kp = r.choice(['是', '√', 'Y']) if x['key_park'] else r.choice(['否', '×', 'N'])
                if x.get('key_park_text'):
                    kp = x['key_park_text']
                v['key_park'] = kp
                v['incub'] = '是' if x['incub'] else '否'
                sep = r.choice(['、', ',', '，', '/', ';'])
                tl = [r.choice(TAG_WRITTEN[t]) for t in x['tags']] + ([x['unlisted']] if x['unlisted'] else [])
                v['tags'] = sep.join(tl)
                v['date'], f = self.date_val(x['date'], m)
                v['remark'] = r.choice(['说明：外地迁入', '注：已入库', '其中：研发人员20人', None, None])
                if bad == 'noname':
                    v['name'] = None
                    cell = 'name'
                elif bad == 'badcode':
                    v['code'] = wrong_check(x['code'])
                    cell = 'code'
                elif bad == 'late':
                    v['date'] = dt.date(YEAR, m + 1, 12).isoformat()
                    cell = 'date'
            for k, _ in cols:
                if v.get(k) is not None:
                    c = ws.cell(row, ci[k], v[k])
                    if isinstance(v[k], dt.datetime):
                        c.number_format = 'yyyy-mm-dd'
            if bad:
                rej.append(dict(file=rel, sheet=ws.title, row=row, cell=f'{get_column_letter(ci[cell])}{row}', kind=bad))
            else:
                acc.append(dict(file=rel, sheet=ws.title, row=row, item=x))
                if kind == 'ent' and x['unlisted']:
                    warns.append(dict(file=rel, sheet=ws.title, cell=f"{get_column_letter(ci['tags'])}{row}",
                                      kind='unlisted tag', raw=v['tags']))
                if kind == 'ent' and x.get('key_park_text'):
                    warns.append(dict(file=rel, sheet=ws.title, cell=f"{get_column_letter(ci['key_park'])}{row}",
                                      kind='unreadable yes/no', raw=v['key_park']))
                if f == 'noyear':
                    warns.append(dict(file=rel, sheet=ws.title, cell=f"{get_column_letter(ci['date'])}{row}",
                                      kind='date noyear', raw=v['date']))
            row += 1
        ws.cell(row, 1, '合计')
        ws.cell(row, 2, f'{len(items)}家' if kind == 'ent' else f'{len(items)}场')
        skip('total', '合计')
        skip('blank', None)
        ws.cell(row, 1, '填报人：周敏')
        ws.cell(row, 4, '联系电话：0511-8' + str(r.randint(1000000, 9999999)))
        skip('footer', '填报人')
        ws.cell(row, 1, '说明：本表统计本年累计数。')
        skip('footer', '说明')

    def generate(self):
        r = self.r
        self.model()
        # one enterprise per month with an unreadable optional yes/no
        eff = {}
        periods = {}
        badplan = {1: [('京口区', 'ent', 'noname'), ('丹阳市', 'ev', 'badkind')],
                   2: [('句容市', 'ent', 'badcode'), ('扬中市', 'ev', 'late')],
                   3: [('润州区', 'ent', 'late'), ('镇江新区', 'ent', 'badcode')]}
        for m in (1, 2, 3):
            folder = f'{YEAR}-{m:02d}'
            files = []
            for u in UNITS + ['市科技局']:
                rel = f'{folder}/{u}{YEAR}年{m}月科技招商情况.xlsx'
                wb = Workbook()
                ws1 = wb.active
                ws1.title = '活动'
                ws2 = wb.create_sheet('企业')
                acc, rej, skp, warns = [], [], [], []
                if u in UNITS:
                    evs = [e for e in self.events[u] if e['date'].month <= m]
                    ens = [e for e in self.ents[u] if e['date'].year < YEAR or e['date'].month <= m]
                    filer = FILER_TEXT[u]
                    ecol = [('seq', '序号'), ('name', '活动名称'), ('date', '活动日期'), ('org', '主办单位'), ('kind', '活动类型'),
                            ('place', '举办地点'), ('signed', '签约项目数'), ('remark', '备注')]
                    ncol = [('seq', '序号'), ('name', '企业名称'), ('code', '统一社会信用代码'), ('park', '所在园区'),
                            ('key_park', '是否“10+11+5”园区'), ('incub', '是否入驻孵化载体'), ('tags', '企业类型'),
                            ('date', '落户时间'), ('remark', '备注')]
                    if u in ('丹阳市', '句容市'):
                        ncol.insert(3, ('county', '所属板块'))
                else:
                    evs, ens = [], []
                    for uu in UNITS:
                        evs += [dict(e) for e in self.events[uu] if e['date'].month <= m][:1]
                        ens += [dict(e) for e in self.ents[uu] if e['date'].year == YEAR and e['date'].month <= m][:1]
                    evs += [e for e in self.bureau_events if e['date'].month <= m]
                    filer = '镇江市科技局'
                    ecol = [('seq', '序号'), ('name', '活动主题'), ('date', '举办时间'), ('county', '所属板块'), ('org', '承办单位'),
                            ('kind', '活动形式'), ('place', '活动地点'), ('signed', '签约项目(个)'), ('remark', '备注')]
                    ncol = [('seq', '序号'), ('name', '企业名称'), ('code', '信用代码'), ('county', '所在地区'), ('park', '落户园区'),
                            ('key_park', '是否重点园区'), ('incub', '是否在孵'), ('tags', '企业类别'), ('date', '招引时间'),
                            ('remark', '备注')]
                if u == UNITS[m] and ens:       # an unreadable optional yes/no
                    ens = [dict(e) for e in ens]
                    ens[0]['key_park_text'] = '待定'
                    ens[0]['key_park_null'] = True
                bev = [(k, dict(self.events[u][0], name=f'作废活动{m}{u}', unit=u, date=dt.date(YEAR, 1, 5))) for (uu, t, k) in badplan[m] if uu == u and t == 'ev']
                ben = [(k, dict(self.ents[u][0], name=f'镇江坏行{m}{u}科技有限公司', code=uscc(r, ADMIN[u]),
                                date=dt.date(YEAR, 1, 5), unlisted=None, key_park_text=None))
                       for (uu, t, k) in badplan[m] if uu == u and t == 'ent']
                self.sheet(ws1, f'{u}科技招商活动情况表', filer, ecol, evs, 'ev', m, rel, acc, rej, skp, warns, bev)
                self.sheet(ws2, f'{u}科技型企业招引情况表', filer, ncol, ens, 'ent', m, rel, acc, rej, skp, warns, ben)
                os.makedirs(os.path.join(self.out, folder), exist_ok=True)
                wb.save(os.path.join(self.out, rel))
                files.append(dict(file=rel, accepted=acc, rejected=rej, skipped=skp, warnings=warns))
                eff[(u, m)] = acc
            periods[folder] = self.truth(m, files, eff)
        return periods

    def truth(self, m, files, eff):
        end = month_end(m)
        evs, ens = {}, {}
        for u in UNITS + ['市科技局']:
            for a in eff[(u, m)]:
                x = a['item']
                own = u in UNITS
                if 'code' in x:
                    k = x['code']
                    if k in ens and ens[k][0] and not own:
                        continue
                    ens[k] = (own, x)
                else:
                    k = (x['name'], x['date'])
                    if k in evs and evs[k][0] and not own:
                        continue
                    evs[k] = (own, x)
        import tomllib
        P = tomllib.loads(open(os.environ['ZJ_PIPELINE'], encoding='utf-8').read()) \
            if os.environ.get('ZJ_PIPELINE') else None
        voc = {'values': ['市', '板块', '园区'],
               'aliases': {'市': ['市级', '市本级', '全市'], '板块': ['板块级', '市区级', '区级', '县级'], '园区': ['园区级', '载体', '孵化载体']},
               'keywords': [('板块', ['京口', '润州', '丹徒', '镇江新区', '经开区', '镇江高新区', '丹阳', '句容', '扬中', '区人民政府', '区政府', '区科技局']),
                            ('园区', ['园区', '产业园', '科技园', '管委会', '孵化', '众创空间', '载体']),
                            ('市', ['镇江市', '市科技局', '市商务局', '市人民政府', '市政府', '市委', '市科协'])]}

        def level(t):
            if t in voc['values']:
                return t
            for k, al in voc['aliases'].items():
                if t in al:
                    return k
            for k, ws in voc['keywords']:
                if any(w in t for w in ws):
                    return k
            return None
        events_current = [dict(name=x['name'], organiser_name=x['org'], organiser=level(x['org']))
                          for own, x in evs.values() if x['date'].year == YEAR and x['date'] <= end]
        res = {}

        def put(mid, scope, sv, v):
            res.setdefault(mid, {}).setdefault(scope, {})[sv] = float(v)
        E = [x for _, x in evs.values() if x['date'].year == YEAR and x['date'] <= end]
        N = [x for _, x in ens.values() if x['date'].year == YEAR and x['date'] <= end]
        kp = lambda x: x['key_park'] and not x.get('key_park_null')
        for scope, sv, f in [('city', '镇江市', lambda x: True)] + [('county', u, (lambda u: lambda x: x['unit'] == u)(u)) for u in UNITS]:
            put('events_count', scope, sv, sum(1 for x in E if f(x)))
            put('tech_enterprises', scope, sv, sum(1 for x in N if f(x)))
            put('tech_enterprises_in_parks', scope, sv, sum(1 for x in N if f(x) and kp(x)))
            put('tech_enterprises_in_incubators', scope, sv, sum(1 for x in N if f(x) and x['incub']))
            put('high_tech_enterprises', scope, sv, sum(1 for x in N if f(x) and '高新技术企业' in x['tags']))
        return dict(metrics=res, events_current=events_current,
                    accepted_rows=sum(len(f['accepted']) for f in files),
                    rejected_rows=sum(len(f['rejected']) for f in files),
                    rejected_cells=[x for f in files for x in f['rejected']],
                    skipped_rows=[x for f in files for x in f['skipped']],
                    expected_warnings=[x for f in files for x in f['warnings']],
                    project_rows=[dict(file=a['file'], sheet=a['sheet'], row=a['row']) for f in files for a in f['accepted'] + f['rejected']],
                    missing_returns=[], projects_current=[], stages_city=None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--seed', type=int, default=1)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    g = G(a.seed, a.out)
    periods = g.generate()
    json.dump(dict(pipeline='zhenjiang-tech', seed=a.seed, periods=periods), open(os.path.join(a.out, 'truth.json'), 'w'),
              ensure_ascii=False, indent=1, default=str)


if __name__ == '__main__':
    main()
