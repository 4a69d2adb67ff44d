/*
 * fanotify-floor: the least that watching a filesystem the way backupd's change journal does can cost a
 * program writing to it. It makes the journal's fanotify group (FAN_REPORT_DFID_NAME, FAN_REPORT_FID,
 * FAN_REPORT_TARGET_FID), marks the filesystem holding PATH with the journal's mask, and reads and
 * discards events until SIGTERM or SIGINT. With --ignore-new-directories it also places the ignore mark
 * backupd places on every directory made while it watches, so that files created in it are not queued.
 *
 * The difference between a workload's time under this program and under backupd is backupd's own
 * cost; the difference between this program and no watcher is the kernel's, which no watcher with this
 * mask avoids.
 *
 *   gcc -O2 -o fanotify-floor scripts/fanotify-floor.c
 *   fanotify-floor [--ignore-new-directories] PATH
 *
 * Prints "watching" on standard output once the mark is in place, and the counts on standard error at
 * the end. Needs CAP_SYS_ADMIN and Linux 6.0 or later.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <unistd.h>

#ifndef FAN_MARK_IGNORE
#define FAN_MARK_IGNORE 0x00000400
#endif

#define CHANGES (FAN_CREATE | FAN_DELETE | FAN_RENAME | FAN_MODIFY | FAN_CLOSE_WRITE | FAN_ATTRIB | FAN_ONDIR)
#define CHILDREN_OF_NEW_DIRECTORY (FAN_CREATE | FAN_DELETE | FAN_MODIFY | FAN_CLOSE_WRITE | FAN_ATTRIB)

static volatile sig_atomic_t stopping;

static void stop(int signal_number)
{
    (void)signal_number;
    stopping = 1;
}

static void die(const char *what, const char *path)
{
    fprintf(stderr, "fanotify-floor: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

/* The new directory's own handle in a create event: the FID record (FAN_REPORT_TARGET_FID). */
static struct file_handle *created_directory(const struct fanotify_event_metadata *event)
{
    const char *p = (const char *)event + event->metadata_len;
    const char *end = (const char *)event + event->event_len;
    while (p + sizeof(struct fanotify_event_info_header) <= end) {
        const struct fanotify_event_info_header *header = (const void *)p;
        if (header->len == 0 || p + header->len > end)
            break;
        if (header->info_type == FAN_EVENT_INFO_TYPE_FID)
            return (struct file_handle *)((const struct fanotify_event_info_fid *)p)->handle;
        p += header->len;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int ignore_new = 0;
    if (argc == 3 && strcmp(argv[1], "--ignore-new-directories") == 0)
        ignore_new = 1;
    else if (argc != 2) {
        fprintf(stderr, "usage: fanotify-floor [--ignore-new-directories] PATH\n");
        return 2;
    }
    const char *path = argv[argc - 1];

    int group = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_DFID_NAME | FAN_REPORT_FID
                                  | FAN_REPORT_TARGET_FID,
                              O_RDONLY | O_LARGEFILE | O_CLOEXEC);
    if (group < 0)
        die("cannot make a fanotify group for", path);
    if (fanotify_mark(group, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, CHANGES, AT_FDCWD, path) != 0)
        die("cannot mark the filesystem of", path);
    int mount = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (mount < 0)
        die("cannot open", path);

    struct sigaction action = { .sa_handler = stop };
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    printf("watching\n");
    fflush(stdout);

    static char buffer[256 * 1024] __attribute__((aligned(8)));
    unsigned long events = 0, marks = 0, overflows = 0;
    struct pollfd readable = { .fd = group, .events = POLLIN };
    while (!stopping) {
        if (poll(&readable, 1, 500) < 0) {
            if (errno == EINTR)
                continue;
            die("cannot poll the group of", path);
        }
        ssize_t length;
        while ((length = read(group, buffer, sizeof buffer)) > 0) {
            for (struct fanotify_event_metadata *event = (void *)buffer; FAN_EVENT_OK(event, length);
                 event = FAN_EVENT_NEXT(event, length)) {
                events++;
                if (event->mask & FAN_Q_OVERFLOW)
                    overflows++;
                if (!ignore_new || (event->mask & (FAN_CREATE | FAN_ONDIR)) != (FAN_CREATE | FAN_ONDIR))
                    continue;
                struct file_handle *handle = created_directory(event);
                if (handle == NULL)
                    continue;
                int directory = open_by_handle_at(mount, handle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (directory < 0)
                    continue; /* removed meanwhile */
                if (fanotify_mark(group, FAN_MARK_ADD | FAN_MARK_IGNORE | FAN_MARK_IGNORED_SURV_MODIFY,
                                  CHILDREN_OF_NEW_DIRECTORY | FAN_EVENT_ON_CHILD, directory, NULL) == 0)
                    marks++;
                close(directory);
            }
        }
        if (length < 0 && errno != EAGAIN && errno != EINTR)
            die("cannot read the group of", path);
    }
    fprintf(stderr, "fanotify-floor: %lu events, %lu ignore marks, %lu overflows\n", events, marks, overflows);
    return 0;
}
