import subprocess, random, time, os, signal, json, urllib.request, select
r=random.Random(5); res={"ok":0,"fail":[]}
for k in range(40):
    d=f"/tmp/crash-audit/fresh/{k}"; os.makedirs(d,exist_ok=True); db=d+"/db"
    for f in os.listdir(d): os.remove(os.path.join(d,f))
    p=subprocess.Popen(["/tmp/cairn-audit","serve","--listen","127.0.0.1:18100","--db",db],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL)
    time.sleep(r.uniform(0,0.03)); p.kill(); p.wait()
    p=subprocess.Popen(["/tmp/cairn-audit","serve","--listen","127.0.0.1:18100","--db",db],stdout=subprocess.PIPE,stderr=subprocess.PIPE)
    out=b""; t0=time.time()
    while time.time()-t0<5 and p.poll() is None:
        rr,_,_=select.select([p.stdout],[],[],0.2)
        if rr:
            out+=os.read(p.stdout.fileno(),100)
            if b"listening" in out: break
    if b"listening" in out:
        try:
            req=urllib.request.Request("http://127.0.0.1:18100/v1/workflows",data=b'{"type":"bench.steps","input":{"steps":1}}',headers={"Content-Type":"application/json"},method="POST")
            st=urllib.request.urlopen(req,timeout=5).status
            res["ok"]+= st==201
            if st!=201: res["fail"].append((k,st))
        except Exception as e: res["fail"].append((k,repr(e)))
        p.send_signal(signal.SIGTERM); p.wait()
    else:
        p.kill(); p.wait(); res["fail"].append((k,"no listen",p.stderr.read()[-300:]))
print(res)
