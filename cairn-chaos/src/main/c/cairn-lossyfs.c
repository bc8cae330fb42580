/*
 * cairn-lossyfs: a passthrough FUSE filesystem that can "lose power".
 *
 * Every operation goes straight to a backing directory, so readers see everything written, as
 * they would see the page cache. What the filesystem remembers is how to undo whatever a real
 * disk would not have kept yet:
 *
 *   file data   A write, truncate or hole punch to a file first saves the bytes it overwrites
 *               (only those below the file's durable size) and the durable size itself. fsync
 *               and fdatasync of that file make its data durable: the saved bytes are dropped.
 *               close() does not: a flush is not a sync.
 *   namespace   create, mkdir, rename and unlink are recorded in a journal (a replaced rename
 *               target and an unlinked file are kept as hard links in a stash directory beside
 *               the backing directory, so they can be put back). What makes them durable
 *               depends on --metadata:
 *                 journal (default)  any fsync or directory fsync commits every namespace change
 *                                    made so far, as ext4 and xfs do: their metadata is one
 *                                    ordered journal and every fsync commits all of it.
 *                 posix              a change becomes durable only when the directory it
 *                                    changed (both directories for a rename) is fsynced.
 *               rmdir, chmod, chown and utimens are durable at once (not modelled).
 *
 * SIGUSR1 cuts the power: the filesystem stops answering, undoes the journal newest first,
 * restores saved bytes newest first and truncates every file back to its durable size, then
 * unmounts and exits 0. The backing directory then holds what a disk would hold after a power
 * cut. Unsynced writes are all dropped, never torn: the harshest outcome a disk may produce.
 * SIGTERM, SIGINT and SIGHUP unmount cleanly and keep everything (a clean shutdown), and so does
 * the death of the parent process (the harness), checked once a second. The caller must kill
 * every process using the mount before the cut, as power loss kills them too.
 *
 * Requests are served one at a time (single-threaded loop), so the cut never races an operation.
 *
 * --fsync-delay-ms=N makes every file fsync take N ms, standing in for a real disk's latency.
 *
 * Usage: cairn-lossyfs [--metadata=journal|posix] [--fsync-delay-ms=N] BACKING_DIR MOUNTPOINT
 * Build: gcc -O2 -Wall -o cairn-lossyfs cairn-lossyfs.c $(pkg-config --cflags --libs fuse3)
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE

#include <fuse.h>
#include <fuse_lowlevel.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <unistd.h>

/* Paths are bounded by the length check in main (backing path + 64 < PATH_MAX). */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* ---------- configuration and global state (touched only by the single request loop) ---------- */

static char backing[PATH_MAX];
static char stash_dir[PATH_MAX];
static int metadata_posix;
static unsigned int fsync_delay_ms;
static volatile sig_atomic_t cut_requested;
static struct fuse *fuse_handle;
static unsigned long stash_seq;

static void logf_(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "cairn-lossyfs: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

static int bpath(char *out, const char *path) {
    /* The root maps to the backing directory itself, without a trailing slash, so journal entries match it. */
    int n = snprintf(out, PATH_MAX, "%s%s", backing, strcmp(path, "/") == 0 ? "" : path);
    return n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

static void parent_of(char *out, const char *path) {
    snprintf(out, PATH_MAX, "%s", path);
    char *slash = strrchr(out, '/');
    if (slash == out) {
        out[1] = '\0';
    } else if (slash != NULL) {
        *slash = '\0';
    }
}

/* ---------- file data: saved bytes per backing inode ---------- */

struct undo {
    off_t off;
    size_t len;
    char *bytes;
    struct undo *prev; /* older record */
};

struct file_state {
    ino_t ino;
    int fd;             /* our own O_RDWR descriptor; keeps the inode alive until the cut */
    off_t durable_size; /* size as of the last fsync (or when first touched since) */
    struct undo *newest;
    size_t saved_bytes;
    struct file_state *next;
};

static struct file_state *files;

/*
 * Bounds on what is remembered between fsyncs. A program that goes past them gets ENOSPC, as from
 * a disk whose cache is full, rather than this process growing without limit.
 */
#define SAVED_BYTES_MAX (1024ULL * 1024 * 1024) /* overwritten bytes kept for undo, all files */
#define JOURNAL_CHANGES_MAX 1000000UL           /* namespace changes not yet durable */
static unsigned long long saved_bytes_total;
#define UNDO_LOG_LINES_MAX 20UL /* namespace changes named in the log at a cut */

static struct file_state *state_find(ino_t ino) {
    for (struct file_state *s = files; s != NULL; s = s->next) {
        if (s->ino == ino) {
            return s;
        }
    }
    return NULL;
}

static void state_free(struct file_state *s) {
    saved_bytes_total -= s->saved_bytes;
    struct undo *u = s->newest;
    while (u != NULL) {
        struct undo *p = u->prev;
        free(u->bytes);
        free(u);
        u = p;
    }
    close(s->fd);
    free(s);
}

static void state_drop(ino_t ino) {
    for (struct file_state **pp = &files; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->ino == ino) {
            struct file_state *s = *pp;
            *pp = s->next;
            state_free(s);
            return;
        }
    }
}

/*
 * The state of the file at backing path bp (or open descriptor fd >= 0), created on first touch
 * since its last fsync with the current size as the durable size.
 */
static int state_get(const char *bp, int fd, struct file_state **out) {
    struct stat st;
    if ((fd >= 0 ? fstat(fd, &st) : lstat(bp, &st)) != 0) {
        return -errno;
    }
    if (!S_ISREG(st.st_mode)) {
        *out = NULL;
        return 0;
    }
    struct file_state *s = state_find(st.st_ino);
    if (s == NULL) {
        char proc[64];
        int own;
        if (fd >= 0) {
            snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
            own = open(proc, O_RDWR | O_CLOEXEC);
        } else {
            own = open(bp, O_RDWR | O_CLOEXEC);
        }
        if (own < 0) {
            return -errno;
        }
        s = calloc(1, sizeof *s);
        if (s == NULL) {
            close(own);
            return -ENOMEM;
        }
        s->ino = st.st_ino;
        s->fd = own;
        s->durable_size = st.st_size;
        s->next = files;
        files = s;
    }
    *out = s;
    return 0;
}

/* Saves the bytes of [off, off+len) that lie below the durable size, before they change. */
static int preserve(struct file_state *s, off_t off, off_t len) {
    if (s == NULL || len <= 0 || off >= s->durable_size) {
        return 0;
    }
    off_t end = off + len < s->durable_size ? off + len : s->durable_size;
    size_t n = (size_t) (end - off);
    if (saved_bytes_total + n > SAVED_BYTES_MAX) {
        return -ENOSPC;
    }
    struct undo *u = calloc(1, sizeof *u);
    char *b = malloc(n);
    if (u == NULL || b == NULL) {
        free(u);
        free(b);
        return -ENOMEM;
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(s->fd, b + got, n - got, off + (off_t) got);
        if (r < 0) {
            int e = errno;
            free(u);
            free(b);
            return -e;
        }
        if (r == 0) {
            break; /* the file is already shorter: nothing more to save */
        }
        got += (size_t) r;
    }
    u->off = off;
    u->len = got;
    u->bytes = b;
    u->prev = s->newest;
    s->newest = u;
    s->saved_bytes += got;
    saved_bytes_total += got;
    return 0;
}

/* ---------- namespace journal ---------- */

enum op { OP_CREATE, OP_MKDIR, OP_RENAME, OP_UNLINK };

struct change {
    enum op op;
    char path[PATH_MAX];    /* backing path created / unlinked / rename source */
    char to[PATH_MAX];      /* rename target */
    char stash[PATH_MAX];   /* replaced target or unlinked file, "" if none */
    char dirs[2][PATH_MAX]; /* directories whose fsync this change still waits for (posix mode) */
    ino_t ino;
    struct change *prev;    /* older change */
};

static struct change *journal;
static unsigned long journal_len;

static struct change *change_new(enum op op, const char *path, ino_t ino) {
    if (journal_len >= JOURNAL_CHANGES_MAX) {
        return NULL; /* callers answer ENOSPC */
    }
    struct change *c = calloc(1, sizeof *c);
    if (c == NULL) {
        return NULL;
    }
    c->op = op;
    c->ino = ino;
    snprintf(c->path, PATH_MAX, "%s", path);
    parent_of(c->dirs[0], path);
    return c;
}

static void change_push(struct change *c) {
    c->prev = journal;
    journal = c;
    journal_len++;
}

/* The change is durable: a stashed file is really gone now. */
static void change_commit(struct change *c) {
    if (c->stash[0] != '\0') {
        struct stat st;
        if (lstat(c->stash, &st) == 0) {
            struct file_state *s = state_find(st.st_ino);
            unlink(c->stash);
            if (s != NULL && st.st_nlink <= 1) {
                state_drop(st.st_ino); /* no name left: nothing a cut could bring back */
            }
        }
    }
    free(c);
}

/* Commits changes waiting for directory dir (posix), or all of them (journal, or dir == NULL). */
static void journal_commit(const char *dir) {
    struct change **pp = &journal;
    while (*pp != NULL) {
        struct change *c = *pp;
        if (dir != NULL && metadata_posix) {
            for (int i = 0; i < 2; i++) {
                if (strcmp(c->dirs[i], dir) == 0) {
                    c->dirs[i][0] = '\0';
                }
            }
            if (c->dirs[0][0] != '\0' || c->dirs[1][0] != '\0') {
                pp = &c->prev;
                continue;
            }
        }
        *pp = c->prev;
        journal_len--;
        change_commit(c);
    }
}

static int make_stash(const char *victim, char *out) {
    snprintf(out, PATH_MAX, "%s/%lu", stash_dir, ++stash_seq);
    return link(victim, out) == 0 ? 0 : -errno;
}

/* ---------- FUSE operations ---------- */

static void *lf_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
    /* Write-through: every write reaches this process before write() returns to the node. */
    conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
    cfg->use_ino = 1;
    /* Unlink really unlinks (no .fuse_hidden renames that would show up as journal entries). */
    cfg->hard_remove = 1;
    cfg->nullpath_ok = 0;
    return NULL;
}

static int lf_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
    if (fi != NULL) {
        return fstat((int) fi->fh, st) == 0 ? 0 : -errno;
    }
    char bp[PATH_MAX];
    int r = bpath(bp, path);
    if (r != 0) {
        return r;
    }
    return lstat(bp, st) == 0 ? 0 : -errno;
}

static int lf_access(const char *path, int mask) {
    char bp[PATH_MAX];
    int r = bpath(bp, path);
    return r != 0 ? r : (access(bp, mask) == 0 ? 0 : -errno);
}

static int lf_readlink(const char *path, char *buf, size_t size) {
    char bp[PATH_MAX];
    int r = bpath(bp, path);
    if (r != 0) {
        return r;
    }
    ssize_t n = readlink(bp, buf, size - 1);
    if (n < 0) {
        return -errno;
    }
    buf[n] = '\0';
    return 0;
}

static int lf_opendir(const char *path, struct fuse_file_info *fi) {
    char bp[PATH_MAX];
    int r = bpath(bp, path);
    if (r != 0) {
        return r;
    }
    DIR *d = opendir(bp);
    if (d == NULL) {
        return -errno;
    }
    fi->fh = (uint64_t) (uintptr_t) d;
    return 0;
}

static int lf_readdir(const char *path, void *buf, fuse_fill_dir_t filler, off_t offset, struct fuse_file_info *fi,
                      enum fuse_readdir_flags flags) {
    (void) path;
    (void) offset;
    (void) flags;
    DIR *d = (DIR *) (uintptr_t) fi->fh;
    rewinddir(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        memset(&st, 0, sizeof st);
        st.st_ino = e->d_ino;
        st.st_mode = (mode_t) (DTTOIF(e->d_type));
        if (filler(buf, e->d_name, &st, 0, 0) != 0) {
            break;
        }
    }
    return 0;
}

static int lf_releasedir(const char *path, struct fuse_file_info *fi) {
    (void) path;
    closedir((DIR *) (uintptr_t) fi->fh);
    return 0;
}

static int lf_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi) {
    (void) datasync;
    (void) fi;
    char bp[PATH_MAX];
    int r = bpath(bp, path);
    if (r != 0) {
        return r;
    }
    journal_commit(bp);
    return 0;
}

static int lf_mkdir(const char *path, mode_t mode) {
    char bp[PATH_MAX];
    int r = bpath(bp, path);
    if (r != 0) {
        return r;
    }
    if (mkdir(bp, mode) != 0) {
        return -errno;
    }
    struct stat st;
    if (lstat(bp, &st) != 0) {
        return -errno;
    }
    struct change *c = change_new(OP_MKDIR, bp, st.st_ino);
    if (c == NULL) {
        return -ENOSPC;
    }
    change_push(c);
    return 0;
}

static int lf_rmdir(const char *path) {
    char bp[PATH_MAX];
    int r = bpath(bp, path);
    return r != 0 ? r : (rmdir(bp) == 0 ? 0 : -errno);
}

static int lf_unlink(const char *path) {
    char bp[PATH_MAX];
    int r = bpath(bp, path);
    if (r != 0) {
        return r;
    }
    struct stat st;
    if (lstat(bp, &st) != 0) {
        return -errno;
    }
    struct change *c = change_new(OP_UNLINK, bp, st.st_ino);
    if (c == NULL) {
        return -ENOSPC;
    }
    /* Keep the file under a stash name so a cut can put it back. */
    if (S_ISREG(st.st_mode) && (r = make_stash(bp, c->stash)) != 0) {
        free(c);
        return r;
    }
    if (unlink(bp) != 0) {
        int e = errno;
        if (c->stash[0] != '\0') {
            unlink(c->stash);
        }
        free(c);
        return -e;
    }
    change_push(c);
    return 0;
}

static int lf_rename(const char *from, const char *to, unsigned int flags) {
    if (flags & ~RENAME_NOREPLACE) {
        return -EINVAL; /* RENAME_EXCHANGE and whiteouts are not modelled */
    }
    char bf[PATH_MAX], bt[PATH_MAX];
    int r = bpath(bf, from);
    if (r != 0 || (r = bpath(bt, to)) != 0) {
        return r;
    }
    struct stat sf, stt;
    if (lstat(bf, &sf) != 0) {
        return -errno;
    }
    struct change *c = change_new(OP_RENAME, bf, sf.st_ino);
    if (c == NULL) {
        return -ENOSPC;
    }
    snprintf(c->to, PATH_MAX, "%s", bt);
    parent_of(c->dirs[1], bt);
    if (strcmp(c->dirs[0], c->dirs[1]) == 0) {
        c->dirs[1][0] = '\0';
    }
    if (!(flags & RENAME_NOREPLACE) && lstat(bt, &stt) == 0 && S_ISREG(stt.st_mode) && stt.st_ino != sf.st_ino) {
        if ((r = make_stash(bt, c->stash)) != 0) {
            free(c);
            return r;
        }
    }
    if (renameat2(AT_FDCWD, bf, AT_FDCWD, bt, flags) != 0) {
        int e = errno;
        if (c->stash[0] != '\0') {
            unlink(c->stash);
        }
        free(c);
        return -e;
    }
    change_push(c);
    return 0;
}

static int lf_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
    if (fi != NULL) {
        return fchmod((int) fi->fh, mode) == 0 ? 0 : -errno;
    }
    char bp[PATH_MAX];
    int r = bpath(bp, path);
    return r != 0 ? r : (chmod(bp, mode) == 0 ? 0 : -errno);
}

static int lf_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi) {
    if (fi != NULL) {
        return fchown((int) fi->fh, uid, gid) == 0 ? 0 : -errno;
    }
    char bp[PATH_MAX];
    int r = bpath(bp, path);
    return r != 0 ? r : (lchown(bp, uid, gid) == 0 ? 0 : -errno);
}

static int lf_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
    char bp[PATH_MAX];
    int r = bpath(bp, path);
    if (r != 0) {
        return r;
    }
    int fd = fi != NULL ? (int) fi->fh : -1;
    struct file_state *s;
    if ((r = state_get(bp, fd, &s)) != 0) {
        return r;
    }
    struct stat st;
    if (s != NULL && fstat(s->fd, &st) == 0 && size < st.st_size && (r = preserve(s, size, st.st_size - size)) != 0) {
        return r;
    }
    int ok = fd >= 0 ? ftruncate(fd, size) : truncate(bp, size);
    return ok == 0 ? 0 : -errno;
}

static int lf_utimens(const char *path, const struct timespec ts[2], struct fuse_file_info *fi) {
    if (fi != NULL) {
        return futimens((int) fi->fh, ts) == 0 ? 0 : -errno;
    }
    char bp[PATH_MAX];
    int r = bpath(bp, path);
    return r != 0 ? r : (utimensat(AT_FDCWD, bp, ts, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : -errno);
}

static int lf_create(const char *path, mode_t mode, struct fuse_file_info *fi) {
    char bp[PATH_MAX];
    int r = bpath(bp, path);
    if (r != 0) {
        return r;
    }
    struct stat st;
    int existed = lstat(bp, &st) == 0;
    if (existed && (fi->flags & O_TRUNC)) {
        struct file_state *s;
        if ((r = state_get(bp, -1, &s)) != 0 || (r = preserve(s, 0, st.st_size)) != 0) {
            return r;
        }
    }
    int fd = open(bp, fi->flags | O_CLOEXEC, mode);
    if (fd < 0) {
        return -errno;
    }
    fi->fh = (uint64_t) fd;
    if (!existed) {
        if (fstat(fd, &st) != 0) {
            return -errno;
        }
        struct change *c = change_new(OP_CREATE, bp, st.st_ino);
        if (c == NULL) {
            return -ENOSPC;
        }
        change_push(c);
    }
    return 0;
}

static int lf_open(const char *path, struct fuse_file_info *fi) {
    char bp[PATH_MAX];
    int r = bpath(bp, path);
    if (r != 0) {
        return r;
    }
    if (fi->flags & O_TRUNC) {
        struct stat st;
        struct file_state *s;
        if (lstat(bp, &st) == 0 && ((r = state_get(bp, -1, &s)) != 0 || (r = preserve(s, 0, st.st_size)) != 0)) {
            return r;
        }
    }
    int fd = open(bp, fi->flags | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    fi->fh = (uint64_t) fd;
    return 0;
}

static int lf_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
    (void) path;
    ssize_t n = pread((int) fi->fh, buf, size, off);
    return n < 0 ? -errno : (int) n;
}

static int lf_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
    (void) path;
    struct file_state *s;
    int r = state_get(NULL, (int) fi->fh, &s);
    if (r != 0 || (r = preserve(s, off, (off_t) size)) != 0) {
        return r;
    }
    ssize_t n = pwrite((int) fi->fh, buf, size, off);
    return n < 0 ? -errno : (int) n;
}

static int lf_statfs(const char *path, struct statvfs *sv) {
    (void) path;
    return statvfs(backing, sv) == 0 ? 0 : -errno;
}

static int lf_flush(const char *path, struct fuse_file_info *fi) {
    (void) path;
    (void) fi;
    return 0; /* close() is not a sync: nothing becomes durable here */
}

static int lf_release(const char *path, struct fuse_file_info *fi) {
    (void) path;
    close((int) fi->fh);
    return 0;
}

static int lf_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
    (void) path;
    (void) datasync; /* fdatasync makes the data and the size needed to read it durable: the same here */
    struct stat st;
    if (fstat((int) fi->fh, &st) != 0) {
        return -errno;
    }
    /* The backing file is not fsynced: the simulated disk is what matters, not the host's. A
       configured delay stands in for a real disk's fsync latency (and, the loop being
       single-threaded, stalls every other request meanwhile, like a disk with one queue). */
    if (fsync_delay_ms > 0) {
        usleep(fsync_delay_ms * 1000u);
    }
    if (cut_requested) {
        return -EIO; /* the power went out while this fsync ran: nothing became durable */
    }
    state_drop(st.st_ino);
    if (!metadata_posix) {
        journal_commit(NULL);
    }
    return 0;
}

static int lf_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi) {
    (void) path;
    struct file_state *s;
    int r = state_get(NULL, (int) fi->fh, &s);
    if (r != 0) {
        return r;
    }
    if (mode & (FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE)) {
        r = preserve(s, off, s != NULL ? s->durable_size - off : 0); /* everything after off moves */
    } else if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) {
        r = preserve(s, off, len);
    }
    if (r != 0) {
        return r;
    }
    return fallocate((int) fi->fh, mode, off, len) == 0 ? 0 : -errno;
}

static const struct fuse_operations ops = {
    .init = lf_init,
    .getattr = lf_getattr,
    .access = lf_access,
    .readlink = lf_readlink,
    .opendir = lf_opendir,
    .readdir = lf_readdir,
    .releasedir = lf_releasedir,
    .fsyncdir = lf_fsyncdir,
    .mkdir = lf_mkdir,
    .rmdir = lf_rmdir,
    .unlink = lf_unlink,
    .rename = lf_rename,
    .chmod = lf_chmod,
    .chown = lf_chown,
    .truncate = lf_truncate,
    .utimens = lf_utimens,
    .create = lf_create,
    .open = lf_open,
    .read = lf_read,
    .write = lf_write,
    .statfs = lf_statfs,
    .flush = lf_flush,
    .release = lf_release,
    .fsync = lf_fsync,
    .fallocate = lf_fallocate,
};

/* ---------- the cut ---------- */

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
    (void) st;
    (void) ftw;
    return (flag == FTW_DP ? rmdir(p) : unlink(p)) == 0 ? 0 : 0;
}

static int ino_at(const char *p, ino_t ino) {
    struct stat st;
    return lstat(p, &st) == 0 && st.st_ino == ino;
}

/* Restores what a disk would hold: namespace undone newest first, then data back to the last fsync. */
static void power_cut(void) {
    static const char *names[] = {"create", "mkdir", "rename", "unlink"};
    unsigned long undone = 0;
    while (journal != NULL) {
        struct change *c = journal;
        journal = c->prev;
        if (undone < UNDO_LOG_LINES_MAX) {
            /* Names what the cut took back, so a run's log shows which missing fsync mattered. */
            logf_("undo %s %s%s%s", names[c->op], c->path + strlen(backing), c->op == OP_RENAME ? " -> " : "",
                  c->op == OP_RENAME ? c->to + strlen(backing) : "");
        }
        switch (c->op) {
            case OP_CREATE:
                if (ino_at(c->path, c->ino)) {
                    unlink(c->path);
                }
                break;
            case OP_MKDIR:
                if (ino_at(c->path, c->ino)) {
                    nftw(c->path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
                }
                break;
            case OP_RENAME:
                if (ino_at(c->to, c->ino)) {
                    rename(c->to, c->path);
                }
                if (c->stash[0] != '\0') {
                    rename(c->stash, c->to);
                }
                break;
            case OP_UNLINK:
                if (c->stash[0] != '\0') {
                    rename(c->stash, c->path);
                }
                break;
        }
        undone++;
        free(c);
    }
    unsigned long nfiles = 0;
    unsigned long long restored = 0, dropped = 0;
    while (files != NULL) {
        struct file_state *s = files;
        files = s->next;
        for (struct undo *u = s->newest; u != NULL; u = u->prev) {
            if (pwrite(s->fd, u->bytes, u->len, u->off) != (ssize_t) u->len) {
                logf_("restoring %zu bytes of inode %lu failed: %s", u->len, (unsigned long) s->ino, strerror(errno));
            }
            restored += u->len;
        }
        struct stat st;
        if (fstat(s->fd, &st) == 0 && st.st_size > s->durable_size) {
            dropped += (unsigned long long) (st.st_size - s->durable_size);
        }
        if (ftruncate(s->fd, s->durable_size) != 0) {
            logf_("truncating inode %lu failed: %s", (unsigned long) s->ino, strerror(errno));
        }
        nfiles++;
        state_free(s);
    }
    nftw(stash_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    logf_("power cut: %lu file(s) back to their last fsync (%llu overwritten bytes restored, %llu appended bytes "
          "dropped), %lu namespace change(s) undone",
          nfiles, restored, dropped, undone);
}

static void on_cut(int sig) {
    (void) sig;
    cut_requested = 1;
    if (fuse_handle != NULL) {
        fuse_session_exit(fuse_get_session(fuse_handle));
    }
}

static void on_wake(int sig) {
    (void) sig; /* only interrupts the blocking read of the request loop */
}

static pid_t parent_pid;
static pthread_t loop_thread;

/* A clean unmount when the harness dies without cleaning up, so no dead mount is left behind. */
static void *watch_parent(void *arg) {
    (void) arg;
    while (getppid() == parent_pid) {
        sleep(1);
    }
    if (fuse_handle != NULL) {
        fuse_session_exit(fuse_get_session(fuse_handle));
    }
    pthread_kill(loop_thread, SIGUSR2);
    return NULL;
}

int main(int argc, char **argv) {
    int a = 1;
    for (; a < argc && strncmp(argv[a], "--", 2) == 0; a++) {
        if (strcmp(argv[a], "--metadata=posix") == 0) {
            metadata_posix = 1;
        } else if (strcmp(argv[a], "--metadata=journal") == 0) {
            metadata_posix = 0;
        } else if (strncmp(argv[a], "--fsync-delay-ms=", 17) == 0) {
            char *end;
            unsigned long v = strtoul(argv[a] + 17, &end, 10);
            if (*end != '\0' || v > 10000) {
                logf_("--fsync-delay-ms must be 0..10000, got %s", argv[a] + 17);
                return 2;
            }
            fsync_delay_ms = (unsigned int) v;
        } else {
            logf_("unknown option %s", argv[a]);
            return 2;
        }
    }
    if (argc - a != 2) {
        fprintf(stderr, "usage: cairn-lossyfs [--metadata=journal|posix] [--fsync-delay-ms=N] BACKING_DIR MOUNTPOINT\n");
        return 2;
    }
    if (realpath(argv[a], backing) == NULL) {
        logf_("backing directory %s: %s", argv[a], strerror(errno));
        return 2;
    }
    if (strlen(backing) + 64 >= PATH_MAX) {
        logf_("backing directory path too long: %s", backing);
        return 2;
    }
    snprintf(stash_dir, PATH_MAX, "%s.lossyfs-stash", backing);
    nftw(stash_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); /* left by a run that did not end cleanly */
    if (mkdir(stash_dir, 0700) != 0) {
        logf_("stash directory %s: %s", stash_dir, strerror(errno));
        return 2;
    }
    /* auto_unmount: fusermount3 unmounts even if this process is SIGKILLed. */
    char *fargs[] = {argv[0], "-o", "fsname=cairn-lossyfs,subtype=lossyfs,auto_unmount", NULL};
    struct fuse_args args = FUSE_ARGS_INIT(3, fargs);
    fuse_handle = fuse_new(&args, &ops, sizeof ops, NULL);
    if (fuse_handle == NULL) {
        logf_("fuse_new failed");
        return 3;
    }
    if (fuse_mount(fuse_handle, argv[a + 1]) != 0) {
        logf_("cannot mount on %s (is /dev/fuse usable and fusermount3 installed?)", argv[a + 1]);
        fuse_destroy(fuse_handle);
        return 3;
    }
    struct fuse_session *se = fuse_get_session(fuse_handle);
    if (fuse_set_signal_handlers(se) != 0) {
        logf_("cannot install signal handlers");
        return 3;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_cut; /* no SA_RESTART: the blocking read must return so the loop sees the exit */
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_wake;
    sigaction(SIGUSR2, &sa, NULL);
    parent_pid = getppid();
    loop_thread = pthread_self();
    /* The watcher blocks every signal, so SIGUSR1 always lands on (and interrupts) the request loop. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_t watcher;
    pthread_create(&watcher, NULL, watch_parent, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    logf_("mounted %s on %s (metadata model: %s, fsync delay %u ms)", backing, argv[a + 1],
          metadata_posix ? "posix" : "journal", fsync_delay_ms);
    printf("ready\n");
    fflush(stdout);

    int rc = fuse_loop(fuse_handle);
    if (cut_requested) {
        power_cut();
    } else {
        journal_commit(NULL); /* clean shutdown: everything written is kept */
        while (files != NULL) {
            struct file_state *s = files;
            files = s->next;
            state_free(s);
        }
        nftw(stash_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        logf_("clean unmount: everything written is kept");
    }
    fuse_remove_signal_handlers(se);
    fuse_unmount(fuse_handle);
    fuse_destroy(fuse_handle);
    return rc < 0 ? 1 : 0;
}
