/* statloop: the floor for a process-tree poller that refreshes once per
 * interval. Each pass lists /proc and reads every /proc/PID/stat once
 * (open + read + close), then sleeps until the next interval.
 *
 * usage: statloop [INTERVAL_MS]   (default 1000; runs until killed)
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    long ms = argc > 1 ? atol(argv[1]) : 1000;
    char path[64], buf[4096];
    volatile long sink = 0;
    for (;;) {
        DIR *d = opendir("/proc");
        if (!d) return 1;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (!isdigit((unsigned char)e->d_name[0])) continue;
            snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) continue;
            ssize_t n = read(fd, buf, sizeof buf);
            if (n > 0) sink += buf[0];
            close(fd);
        }
        closedir(d);
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}
