#!/usr/bin/env python3
"""Validate /work/main/lexicon/*.tsv. Usage: validate.py [--fix]  (--fix rewrites alias fields: dedupe, drop alias==canonical)"""
import sys, re, datetime, collections
import os
D=os.path.dirname(os.path.abspath(__file__))+"/"
FIX="--fix" in sys.argv
SECTORS=set("GOV MIL COP JUD LEG MED IGO NGO BUS OPP PTY REB CVL EDU HLH REL SPY ELI LAB AGR ENV REF CRM".split())
NCOL={"countries":6,"places":4,"organisations":5,"people":7,"titles":4}
ALIASCOL={"countries":[3,4],"places":[3],"organisations":[4],"people":[6],"titles":[3]}
errs=collections.Counter(); rows={}
def err(f,n,msg):
    errs[f]+=1
    if errs[f]<=40: print(f"{f}:{n}: {msg}")
def pdate(s):
    if re.fullmatch(r"\d{4}",s): return datetime.date(int(s),1,1)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}",s): return datetime.date.fromisoformat(s)
    raise ValueError(s)
for name,n in NCOL.items():
    path=D+name+".tsv"; lines=open(path,encoding="utf-8").read().split("\n")
    if lines and lines[-1]=="": lines=lines[:-1]
    if not lines[0].startswith("# ") or len(lines[0][2:].split("\t"))!=n: err(name,1,"bad header")
    data=[]; out=[]
    for i,l in enumerate(lines,1):
        if l.startswith("#") or not l.strip(): out.append(l); continue
        f=l.split("\t")
        if len(f)!=n: err(name,i,f"{len(f)} columns"); out.append(l); continue
        for j,x in enumerate(f):
            if x!=x.strip(): err(name,i,f"whitespace in field {j}")
        if FIX:
            for c in ALIASCOL[name]:
                canon=f[0] if c!=4 or name!="countries" else None
                al=[a.strip() for a in f[c].split("|") if a.strip()]
                al=[a for a in dict.fromkeys(al) if a!=canon and not (name=="countries" and c==3 and a==f[2])]
                f[c]="|".join(al)
            l="\t".join(f)
        out.append(l); data.append((i,f))
    if FIX: open(path,"w",encoding="utf-8").write("\n".join(out)+"\n")
    rows[name]=data
iso3={f[0] for _,f in rows["countries"]}
# countries
seen=collections.defaultdict(set)
for i,f in rows["countries"]:
    if not re.fullmatch(r"[A-Z]{3}",f[0]): err("countries",i,"iso3")
    if not re.fullmatch(r"[A-Z]{2}",f[1]): err("countries",i,"iso2")
    for k,c in (("iso3",0),("iso2",1),("name",2)):
        if f[c] in seen[k]: err("countries",i,f"duplicate {k} {f[c]}")
        seen[k].add(f[c])
    if not f[5]: err("countries",i,"no capital")
def chk_country(name,i,c):
    if c and c not in iso3: err(name,i,f"unknown country {c}")
def chk_sector(name,i,s,allow_empty=False):
    if not s and allow_empty: return
    if s not in SECTORS: err(name,i,f"bad sector {s!r}")
# places
seen=set()
for i,f in rows["places"]:
    if f[1] not in ("GPE","LOC"): err("places",i,"type")
    chk_country("places",i,f[2])
    k=(f[0],f[2],f[1])
    if k in seen: err("places",i,f"duplicate {k}")
    seen.add(k)
# organisations
seen=set()
for i,f in rows["organisations"]:
    if f[1] not in ("ORG","NORP"): err("organisations",i,"type")
    chk_country("organisations",i,f[2]); chk_sector("organisations",i,f[3])
    if f[0] in seen: err("organisations",i,f"duplicate canonical {f[0]}")
    seen.add(f[0])
# people
terms=collections.defaultdict(list)
for i,f in rows["people"]:
    chk_country("people",i,f[1]); chk_sector("people",i,f[2])
    if not f[3] or f[3]!=f[3].lower(): err("people",i,f"role {f[3]!r}")
    try:
        a=pdate(f[4]) if f[4] else None; b=pdate(f[5]) if f[5] else None
        b2 = datetime.date(b.year,12,31) if (b and len(f[5])==4) else b
        if a and b2 and b2<a: err("people",i,"to < from")
        if b and b>datetime.date(2026,11,29): err("people",i,"to in future")
    except ValueError as e: err("people",i,f"bad date {e}"); continue
    terms[(f[0],f[1],f[3])].append((i,a,b))
for k,v in terms.items():
    v.sort(key=lambda t:(t[1] or datetime.date.min))
    for (i1,a1,b1),(i2,a2,b2) in zip(v,v[1:]):
        if a1==a2: err("people",i2,f"duplicate row {k}")
        elif b1 is None or (a2 and b1 and a2<b1 and (b1-a2).days>1): err("people",i2,f"overlapping terms {k}")
# titles
seen=set()
for i,f in rows["titles"]:
    chk_sector("titles",i,f[2],allow_empty=True)
    if f[0] in seen: err("titles",i,f"duplicate title {f[0]}")
    seen.add(f[0])
    if not f[1] or f[1]!=f[1].lower(): err("titles",i,"role")
troles={f[1] for _,f in rows["titles"]}
proles=collections.Counter(f[3] for _,f in rows["people"])
missing=sorted(r for r in proles if r not in troles)
print("people roles without a titles.tsv row:",len(missing))
# alias collisions inside a file (same alias -> different canonicals), informational
for name in ("organisations","places"):
    m=collections.defaultdict(set)
    for _,f in rows[name]:
        for c in [0]+ALIASCOL[name]:
            for a in f[c].split("|"):
                if a: m[a].add(f[0])
    coll={a:s for a,s in m.items() if len(s)>1}
    print(f"{name}: {len(coll)} aliases shared by several rows", list(coll.items())[:8])
for name in NCOL: print(f"{name}: rows={len(rows[name])} errors={errs[name]}")
sys.exit(1 if sum(errs.values()) else 0)
