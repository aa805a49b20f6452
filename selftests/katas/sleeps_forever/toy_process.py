"""task() never ends; start() leaves a double-forked process that escapes its session."""

import multiprocessing
import os
import time


def _note_pid():
    # The self-test checks afterwards that every process noted here is gone:
    # the note's lock is held while this process lives (conftest.noted_alive).
    folder = os.environ.get("KATA_PID_DIR")
    if folder:
        import fcntl

        # (pid and a random part: two topics' pid namespaces hand out the same pids)
        name = f"{os.getpid()}-{os.urandom(4).hex()}"
        fd = os.open(os.path.join(folder, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)


def task(log_path):
    _note_pid()
    while True:
        time.sleep(1)


def _escape():
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            _note_pid()
            while True:
                time.sleep(1)
        os._exit(0)


def start(log_path):
    _escape()
    p = multiprocessing.Process(target=task, args=(log_path,), daemon=True)
    p.start()
    return p
