"""upload_client, correct, written the way the lesson writes it: os.listdir,
a menu and checks on the choice, 1024-byte reads, sock.close() at the end."""
import json
import os
import socket
import struct


def list_files(folder):
    file_list = []
    for name in os.listdir(folder):
        if os.path.isfile(os.path.join(folder, name)):
            file_list.append(name)
    file_list.sort()
    return file_list


def make_header(path, **extra):
    file_dict = {}
    file_dict.update(extra)
    file_dict["file_name"] = os.path.basename(path)
    file_dict["file_size"] = os.path.getsize(path)
    json_bytes = json.dumps(file_dict).encode("utf-8")
    return struct.pack("i", len(json_bytes)) + json_bytes


def upload(sock, path):
    header = make_header(path)
    sock.sendall(header)
    with open(path, "rb") as f:
        while True:
            data = f.read(1024 * 64)
            if not data:
                break
            sock.sendall(data)


def main(folder, host, port):
    client = socket.socket()
    client.connect((host, port))
    while True:
        file_list = list_files(folder)
        for i, name in enumerate(file_list, 1):
            print(i, name)
        try:
            choice = input("请选择想要上传的文件编号>>>:").strip()
        except EOFError:
            break
        if choice == "q":
            break
        if not choice.isdigit():
            print("请输入数字")
            continue
        choice = int(choice)
        if choice not in range(1, len(file_list) + 1):
            print("请输入范围内的数字")
            continue
        upload(client, os.path.join(folder, file_list[choice - 1]))
    client.close()
