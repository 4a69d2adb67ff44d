/*
 * Trees of small files for scripts/journal-benchmark.sh.
 *
 *   journal-tree generate DIR COUNT SEED    COUNT files of 0-8 KiB in DIR/aNNN/bN/cN/fNNNNNNN
 *                                           (100 files per leaf directory); DIR must not exist
 *   journal-tree mutate DIR COUNT N SEED    appends a few bytes to N distinct files of a tree of
 *                                           COUNT files, chosen with SEED; prints their paths
 *
 * Everything follows from SEED: the same arguments give the same tree, byte for byte. Written in C
 * so that 500,000 files take a minute, not the better part of an hour.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILES_PER_DIR 100
#define MAX_SIZE 8192

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void die(const char *what, const char *path)
{
    fprintf(stderr, "journal-tree: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

/* DIR/aNNN/bN/cN/fNNNNNNN: 100 files per leaf, 10 x 10 leaves per top-level directory. */
static void file_path(char *out, size_t size, const char *dir, long index)
{
    long leaf = index / FILES_PER_DIR;
    snprintf(out, size, "%s/a%03ld/b%ld/c%ld/f%07ld", dir, leaf / 100, (leaf / 10) % 10, leaf % 10, index);
}

static void make_dir(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        die("cannot create directory", path);
}

static int generate(const char *dir, long count, uint64_t seed)
{
    static unsigned char buffer[MAX_SIZE + 8];
    char path[4096];
    if (mkdir(dir, 0755) != 0)
        die("cannot create directory", dir);
    for (long i = 0; i < count; i++) {
        if (i % (FILES_PER_DIR * 100) == 0) {
            snprintf(path, sizeof path, "%s/a%03ld", dir, i / FILES_PER_DIR / 100);
            make_dir(path);
        }
        if (i % (FILES_PER_DIR * 10) == 0) {
            snprintf(path, sizeof path, "%s/a%03ld/b%ld", dir, i / FILES_PER_DIR / 100, (i / FILES_PER_DIR / 10) % 10);
            make_dir(path);
        }
        if (i % FILES_PER_DIR == 0) {
            long leaf = i / FILES_PER_DIR;
            snprintf(path, sizeof path, "%s/a%03ld/b%ld/c%ld", dir, leaf / 100, (leaf / 10) % 10, leaf % 10);
            make_dir(path);
        }
        /* One stream per file, so a file's contents do not depend on the files before it. */
        uint64_t state = seed * 0x100000001b3ULL ^ (uint64_t)i;
        size_t size = splitmix64(&state) % (MAX_SIZE + 1);
        for (size_t off = 0; off < size; off += 8) {
            uint64_t word = splitmix64(&state);
            memcpy(buffer + off, &word, 8);
        }
        file_path(path, sizeof path, dir, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
            die("cannot create", path);
        if (size > 0 && write(fd, buffer, size) != (ssize_t)size)
            die("cannot write", path);
        if (close(fd) != 0)
            die("cannot close", path);
    }
    return 0;
}

static int mutate(const char *dir, long count, long n, uint64_t seed)
{
    char path[4096], line[64];
    if (n > count) {
        fprintf(stderr, "journal-tree: cannot change %ld of %ld files\n", n, count);
        return 2;
    }
    unsigned char *chosen = calloc((size_t)count, 1);
    if (chosen == NULL)
        die("out of memory for", dir);
    uint64_t state = seed ^ 0x6d75746174650000ULL;
    for (long done = 0; done < n;) {
        long index = (long)(splitmix64(&state) % (uint64_t)count);
        if (chosen[index])
            continue;
        chosen[index] = 1;
        done++;
        file_path(path, sizeof path, dir, index);
        int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (fd < 0)
            die("cannot open", path);
        int length = snprintf(line, sizeof line, "changed with seed %llu\n", (unsigned long long)seed);
        if (write(fd, line, (size_t)length) != length)
            die("cannot write", path);
        if (close(fd) != 0)
            die("cannot close", path);
        puts(path);
    }
    free(chosen);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "generate") == 0)
        return generate(argv[2], atol(argv[3]), strtoull(argv[4], NULL, 10));
    if (argc == 6 && strcmp(argv[1], "mutate") == 0)
        return mutate(argv[2], atol(argv[3]), atol(argv[4]), strtoull(argv[5], NULL, 10));
    fprintf(stderr, "usage: journal-tree generate DIR COUNT SEED\n"
                    "       journal-tree mutate DIR COUNT N SEED\n");
    return 2;
}
