from multiprocessing import Process


def task(name, log_path)
    print(name)


def start(name, log_path):
    return Process(target=task, args=(name, log_path))
