// The libFuzzer side of a .NET fuzz target. libFuzzer (clang -fsanitize=fuzzer) owns the mutation loop; this driver
// starts the .NET harness once as a child process and, for every input, hands it over and reads back the verdict.
//
// The protocol is the one SharpFuzz's Fuzzer.LibFuzzer.Run speaks:
//   - one System V shared memory segment, its id in the child's environment as __LIBFUZZER_SHM_ID: the first
//     kMapSize bytes are the coverage map the instrumented assembly writes, the next kMaxInput bytes the input;
//   - a control pipe the child reads on fd 198 (the input length, int32) and a status pipe it writes on fd 199
//     (int32: one 0 when it is ready, then per input 0 for "handled" or non-zero for an escaped exception); both
//     numbers are also in its environment (__LIBFUZZER_CONTROL_PIPE_ID, __LIBFUZZER_STATUS_PIPE_ID), as SharpFuzz
//     2.3 requires.
// The coverage map is copied into a section libFuzzer reads as extra counters, so its corpus grows by .NET edges.
//
// Usage: libfuzzer-driver [libFuzzer flags] corpus-dir... -- (set by Fuzzing/run.sh)
//   DOTNET_FUZZ_TARGET  the harness command line, words separated by single spaces (no quoting)

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include <sys/shm.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

constexpr size_t kMapSize = 1 << 16;
constexpr size_t kMaxInput = 1 << 20;
constexpr int kControlFd = 198;
constexpr int kStatusFd = 199;

int control_fd = -1;
int status_fd = -1;
int shm_id = -1;
uint8_t *shared = nullptr;
pid_t child = -1;

[[noreturn]] void Fail(const char *what) {
  std::fprintf(stderr, "libfuzzer-driver: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

void Cleanup() {
  if (shm_id >= 0) shmctl(shm_id, IPC_RMID, nullptr);
  if (child > 0) kill(child, SIGKILL);
}

// Reads or writes exactly four bytes, retrying after signals. False when the peer closed the pipe.
bool ReadInt(int fd, int32_t *value) {
  auto *p = reinterpret_cast<char *>(value);
  size_t done = 0;
  while (done < sizeof *value) {
    ssize_t n = read(fd, p + done, sizeof *value - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool WriteInt(int fd, int32_t value) {
  auto *p = reinterpret_cast<const char *>(&value);
  size_t done = 0;
  while (done < sizeof value) {
    ssize_t n = write(fd, p + done, sizeof value - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::vector<std::string> Words(const char *line) {
  std::vector<std::string> words;
  std::string word;
  for (const char *c = line; *c; ++c) {
    if (*c == ' ') {
      if (!word.empty()) words.push_back(word);
      word.clear();
    } else {
      word.push_back(*c);
    }
  }
  if (!word.empty()) words.push_back(word);
  return words;
}

}  // namespace

// libFuzzer reads the coverage of the .NET code from here after each input.
__attribute__((section("__libfuzzer_extra_counters"))) uint8_t dotnet_counters[kMapSize];

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  const char *command = std::getenv("DOTNET_FUZZ_TARGET");
  if (!command || !*command) {
    std::fprintf(stderr, "libfuzzer-driver: set DOTNET_FUZZ_TARGET to the harness command line\n");
    std::exit(1);
  }
  std::vector<std::string> words = Words(command);

  int control[2], status[2];
  if (pipe(control) || pipe(status)) Fail("pipe");
  shm_id = shmget(IPC_PRIVATE, kMapSize + kMaxInput, IPC_CREAT | IPC_EXCL | 0600);
  if (shm_id < 0) Fail("shmget");
  std::atexit(Cleanup);
  shared = static_cast<uint8_t *>(shmat(shm_id, nullptr, 0));
  if (shared == reinterpret_cast<uint8_t *>(-1)) Fail("shmat");

  child = fork();
  if (child < 0) Fail("fork");
  if (child == 0) {
    if (dup2(control[0], kControlFd) < 0 || dup2(status[1], kStatusFd) < 0) Fail("dup2");
    close(control[0]);
    close(control[1]);
    close(status[0]);
    close(status[1]);
    setenv("__LIBFUZZER_SHM_ID", std::to_string(shm_id).c_str(), 1);
    setenv("__LIBFUZZER_CONTROL_PIPE_ID", std::to_string(kControlFd).c_str(), 1);
    setenv("__LIBFUZZER_STATUS_PIPE_ID", std::to_string(kStatusFd).c_str(), 1);
    std::vector<char *> argv;
    for (auto &w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    Fail("exec of the harness");
  }
  close(control[0]);
  close(status[1]);
  control_fd = control[1];
  status_fd = status[0];

  int32_t ready;
  if (!ReadInt(status_fd, &ready)) {
    std::fprintf(stderr, "libfuzzer-driver: the harness exited before it was ready\n");
    std::exit(1);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // run.sh passes -max_len below this; a longer input (e.g. a corpus file) is cut rather than refused.
  if (size > kMaxInput) size = kMaxInput;
  std::memset(shared, 0, kMapSize);
  std::memcpy(shared + kMapSize, data, size);
  if (!WriteInt(control_fd, static_cast<int32_t>(size))) {
    std::fprintf(stderr, "libfuzzer-driver: the harness is gone\n");
    std::abort();
  }
  int32_t verdict;
  if (!ReadInt(status_fd, &verdict)) {
    // The process died without a verdict (stack overflow, out of memory, a crash in the runtime): a finding too.
    std::fprintf(stderr, "libfuzzer-driver: the harness died while running this input\n");
    std::abort();
  }
  std::memcpy(dotnet_counters, shared, kMapSize);
  if (verdict != 0) {
    std::fprintf(stderr, "libfuzzer-driver: the harness reported an escaped exception (above)\n");
    std::abort();
  }
  return 0;
}
