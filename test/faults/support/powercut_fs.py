#!/usr/bin/python3
"""A FUSE file system that forgets, at a power cut, everything that was not fsynced.

Usage: powercut_fs.py MOUNTPOINT STATE_FILE

Everything lives in memory. Each file has the bytes written to it and, apart, its *durable*
bytes: a copy taken when the file is fsynced (fsync and fdatasync alike). Each directory has
its entries (name -> file or directory) and, apart, its *durable* entries: a copy taken when
the directory itself is fsynced. That is the strict POSIX reading, stricter than ext4 or xfs:
- data written but not fsynced is lost, whole (no partial or reordered writes are modelled:
  the durable bytes are exactly those of the last fsync);
- a created, renamed or unlinked name is only durable once its directory is fsynced; a file
  fsynced but whose name was never made durable is lost, and a name made durable whose file
  was never fsynced comes back empty;
- metadata (mode, times) follows the name (kept as last set).

The power cut is the unmount: the server using the mount is killed first (kill -9), then the
mount is unmounted, and this process writes only the durable state to STATE_FILE. Mounting
again with the same STATE_FILE serves what a machine would find after the power came back.
A summary of what was dropped is printed on stderr as one JSON line.
"""

import errno
import json
import os
import pickle
import stat
import sys
import time

try:  # Debian's python3-fusepy
    from fusepy import FUSE, FuseOSError, Operations
except ImportError:  # fusepy from PyPI
    from fuse import FUSE, FuseOSError, Operations


class Node:
    def __init__(self, mode):
        self.mode = mode
        now = time.time_ns()
        self.mtime = now
        self.ctime = now
        self.data = bytearray()
        self.durable = None  # files: bytes as of the last fsync (None: never synced)
        self.entries = {}  # directories: name -> Node
        self.durable_entries = {}  # directories: entries as of the last fsync of the directory

    @property
    def is_dir(self):
        return stat.S_ISDIR(self.mode)


def durable_view(node):
    """What survives of `node`: a plain tree of (mode, bytes | {name: tree})."""
    if node.is_dir:
        return (node.mode, {name: durable_view(child) for name, child in node.durable_entries.items()})
    return (node.mode, bytes(node.durable or b''))


def restore(view):
    mode, content = view
    node = Node(mode)
    if isinstance(content, dict):
        node.entries = {name: restore(child) for name, child in content.items()}
        node.durable_entries = dict(node.entries)
    else:
        node.data = bytearray(content)
        node.durable = content
    return node


def count(node):
    """(files, bytes) reachable from `node` through its current entries."""
    if not node.is_dir:
        return 1, len(node.data)
    files = size = 0
    for child in node.entries.values():
        f, s = count(child)
        files += f
        size += s
    return files, size


def count_view(view):
    mode, content = view
    if not isinstance(content, dict):
        return 1, len(content)
    files = size = 0
    for child in content.values():
        f, s = count_view(child)
        files += f
        size += s
    return files, size


class PowerCutFs(Operations):
    use_ns = True

    def __init__(self, state_file):
        self.state_file = state_file
        if os.path.exists(state_file):
            with open(state_file, 'rb') as f:
                self.root = restore(pickle.load(f))
        else:
            self.root = Node(stat.S_IFDIR | 0o755)
        self.handles = {}
        self.next_handle = 1
        self.fsyncs = 0
        self.dir_fsyncs = 0

    # --- lookups ---

    def _split(self, path):
        parent, name = os.path.split(path)
        return self._node(parent), name

    def _node(self, path):
        node = self.root
        for part in path.strip('/').split('/'):
            if not part:
                continue
            if not node.is_dir or part not in node.entries:
                raise FuseOSError(errno.ENOENT)
            node = node.entries[part]
        return node

    def _handle(self, node):
        fh = self.next_handle
        self.next_handle += 1
        self.handles[fh] = node
        return fh

    def _of(self, path, fh):
        return self.handles[fh] if fh in self.handles else self._node(path)

    # --- metadata ---

    def getattr(self, path, fh=None):
        node = self._of(path, fh) if fh else self._node(path)
        return {
            'st_mode': node.mode,
            'st_nlink': 2 if node.is_dir else 1,
            'st_size': len(node.data) if not node.is_dir else 4096,
            'st_uid': 0,
            'st_gid': 0,
            'st_atime': node.mtime,
            'st_mtime': node.mtime,
            'st_ctime': node.ctime,
            'st_blocks': (len(node.data) + 511) // 512,
        }

    def chmod(self, path, mode):
        node = self._node(path)
        node.mode = (node.mode & ~0o7777) | (mode & 0o7777)
        return 0

    def chown(self, path, uid, gid):
        return 0

    def utimens(self, path, times=None):
        node = self._node(path)
        node.mtime = times[1] if times else time.time_ns()
        return 0

    def statfs(self, path):
        return {'f_bsize': 4096, 'f_frsize': 4096, 'f_blocks': 1 << 20, 'f_bfree': 1 << 19,
                'f_bavail': 1 << 19, 'f_files': 1 << 20, 'f_ffree': 1 << 19, 'f_namemax': 255}

    def access(self, path, amode):
        self._node(path)
        return 0

    # --- directories ---

    def readdir(self, path, fh):
        node = self._node(path)
        return ['.', '..', *node.entries.keys()]

    def opendir(self, path):
        return self._handle(self._node(path))

    def releasedir(self, path, fh):
        self.handles.pop(fh, None)
        return 0

    def fsyncdir(self, path, datasync, fh):
        node = self._of(path, fh)
        node.durable_entries = dict(node.entries)
        self.dir_fsyncs += 1
        return 0

    def mkdir(self, path, mode):
        parent, name = self._split(path)
        if name in parent.entries:
            raise FuseOSError(errno.EEXIST)
        parent.entries[name] = Node(stat.S_IFDIR | (mode & 0o7777))
        return 0

    def rmdir(self, path):
        parent, name = self._split(path)
        node = parent.entries.get(name)
        if node is None:
            raise FuseOSError(errno.ENOENT)
        if node.entries:
            raise FuseOSError(errno.ENOTEMPTY)
        del parent.entries[name]
        return 0

    def unlink(self, path):
        parent, name = self._split(path)
        if name not in parent.entries:
            raise FuseOSError(errno.ENOENT)
        del parent.entries[name]
        return 0

    def rename(self, old, new):
        old_parent, old_name = self._split(old)
        new_parent, new_name = self._split(new)
        if old_name not in old_parent.entries:
            raise FuseOSError(errno.ENOENT)
        new_parent.entries[new_name] = old_parent.entries.pop(old_name)
        return 0

    # --- files ---

    def create(self, path, mode, fi=None):
        parent, name = self._split(path)
        node = parent.entries.get(name)
        if node is None:
            node = Node(stat.S_IFREG | (mode & 0o7777))
            parent.entries[name] = node
        return self._handle(node)

    def open(self, path, flags):
        node = self._node(path)
        if flags & os.O_TRUNC:
            node.data = bytearray()
        return self._handle(node)

    def release(self, path, fh):
        self.handles.pop(fh, None)
        return 0

    def flush(self, path, fh):
        # close() is no promise of durability.
        return 0

    def read(self, path, size, offset, fh):
        node = self._of(path, fh)
        return bytes(node.data[offset:offset + size])

    def write(self, path, data, offset, fh):
        node = self._of(path, fh)
        end = offset + len(data)
        if len(node.data) < offset:
            node.data.extend(b'\0' * (offset - len(node.data)))
        node.data[offset:end] = data
        node.mtime = time.time_ns()
        return len(data)

    def truncate(self, path, length, fh=None):
        node = self._of(path, fh) if fh else self._node(path)
        if length < len(node.data):
            del node.data[length:]
        else:
            node.data.extend(b'\0' * (length - len(node.data)))
        return 0

    def fsync(self, path, datasync, fh):
        node = self._of(path, fh)
        node.durable = bytes(node.data)
        self.fsyncs += 1
        return 0

    # --- the power cut ---

    def destroy(self, path):
        view = durable_view(self.root)
        with open(self.state_file + '.new', 'wb') as f:
            pickle.dump(view, f)
        os.replace(self.state_file + '.new', self.state_file)
        files, size = count(self.root)
        kept_files, kept_size = count_view(view)
        summary = {'files': files, 'bytes': size, 'durable_files': kept_files,
                   'durable_bytes': kept_size, 'fsyncs': self.fsyncs, 'dir_fsyncs': self.dir_fsyncs}
        print(json.dumps(summary), file=sys.stderr, flush=True)


if __name__ == '__main__':
    mountpoint, state_file = sys.argv[1], sys.argv[2]
    # One thread: every operation is a short change in memory, and none needs a lock.
    FUSE(PowerCutFs(state_file), mountpoint, foreground=True, nothreads=True)
