"""alt_style.py with one mistake: buy rewrites the file in place, so a
concurrent search may crash; grab_tickets drains its winners after join and
does not wait for a buyer that died."""

import json
import os
import time
from multiprocessing import Lock, Process, SimpleQueue


def search(i, db_path):
    with open(db_path, "r", encoding="utf-8") as f:
        t_d = json.loads(f.read())
    print("用户%s查询余票为:%s" % (i, t_d.get("ticket")))
    return t_d.get("ticket")


def buy(i, db_path, delay=0.1):
    with open(db_path, "r", encoding="utf-8") as f:
        t_d = json.load(f)
    time.sleep(delay)
    if t_d.get("ticket") <= 0:
        print("没票了!")
        return False
    t_d["ticket"] -= 1
    # MISTAKE (extra credit): rewritten in place, as in the lesson; a search
    # at that moment may read an empty file and that buyer crashes.
    with open(db_path, "w", encoding="utf-8") as f:
        json.dump(t_d, f)
    print("用户%s抢票成功!" % i)
    return True


class Buyer(Process):
    def __init__(self, i, db_path, delay, mutex, winners):
        super().__init__()
        self.i, self.db_path, self.delay = i, db_path, delay
        self.mutex, self.winners = mutex, winners

    def run(self):
        search(self.i, self.db_path)
        self.mutex.acquire()
        try:
            won = buy(self.i, self.db_path, self.delay)
        finally:
            self.mutex.release()
        if won:
            # SimpleQueue.put writes straight into the pipe: after join the
            # item is there, so draining with empty() afterwards is safe.
            self.winners.put(self.i)


def grab_tickets(db_path, buyers=10, delay=0.1):
    mutex = Lock()
    winners = SimpleQueue()
    p_list = [Buyer(i, db_path, delay, mutex, winners) for i in range(buyers)]
    for p in p_list:
        p.start()
    for p in p_list:
        p.join()
    got = []
    while not winners.empty():
        got.append(winners.get())
    return sorted(got)


if __name__ == "__main__":
    print(grab_tickets(os.path.abspath("data")))
