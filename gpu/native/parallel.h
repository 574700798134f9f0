// The one way the native kernels split work across threads, and the leaf message of a Merkle row, shared by the
// BLAKE3 and Poseidon2 trees.
#pragma once
#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__linux__)
#include <sys/mman.h>
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14; older kernels refuse it (EINVAL) and the pages fault as before
#endif
#endif

// The stress tool (gpu/native/stress) defines this to simulate a machine with more cores than the one it runs on.
#ifndef ZPOL_HARDWARE_THREADS
#define ZPOL_HARDWARE_THREADS() std::thread::hardware_concurrency()
#endif

namespace zpol {

// The threads a kernel splits its work over: the machine's hardware threads, at most 16.
inline size_t kernel_threads() { return std::min<size_t>(std::max<size_t>(1, ZPOL_HARDWARE_THREADS()), 16); }

// The threads parallel_for runs its chunks on: started once, on first use, and kept (a proof calls the kernels
// hundreds of times; starting threads for each call cost ~20-50 µs a thread). Worker i runs chunk i of a job, the
// calling thread chunk 0. One job at a time: a call from another thread while a job runs (Node worker threads
// proving side by side), or from inside a job, gets false and starts threads of its own as before. The pool is
// never destroyed (its threads sleep on a condition variable until the process ends), so nothing tears it down
// under a sleeping worker at exit.
class WorkerPool {
 public:
  static WorkerPool& instance() {
    static WorkerPool* pool = new WorkerPool(kernel_threads() - 1);
    return *pool;
  }

  // task(0) here and task(1) .. task(parts - 1) on the workers; returns once all have returned. False (nothing run)
  // when the pool is busy, too small, or this thread is inside a job already (a worker, or the caller's own chunk).
  bool run(size_t parts, const std::function<void(size_t)>& task) {
    if (inside_job() || parts - 1 > workers_.size() || !busy_.try_lock()) return false;
    {
      std::lock_guard<std::mutex> lock(m_);
      task_ = &task;
      job_workers_ = parts - 1;
      pending_ = parts - 1;
      generation_++;
    }
    start_.notify_all();
    inside_job() = true;
    task(0);
    inside_job() = false;
    {
      std::unique_lock<std::mutex> lock(m_);
      done_.wait(lock, [&] { return pending_ == 0; });
      task_ = nullptr;
    }
    busy_.unlock();
    return true;
  }

 private:
  explicit WorkerPool(size_t workers) {
    for (size_t i = 1; i <= workers; i++) {
      workers_.emplace_back([this, i] { loop(i); });
      workers_.back().detach();
    }
  }

  static bool& inside_job() {
    static thread_local bool flag = false;
    return flag;
  }

  void loop(size_t index) {
    inside_job() = true;
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(m_);
    for (;;) {
      start_.wait(lock, [&] { return generation_ != seen; });
      seen = generation_;
      if (index > job_workers_) continue;  // not one of this job's chunks
      const std::function<void(size_t)>* task = task_;
      lock.unlock();
      (*task)(index);
      lock.lock();
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::mutex busy_;  // held for a whole job
  std::mutex m_;     // guards the fields below
  std::condition_variable start_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(size_t)>* task_ = nullptr;
  size_t job_workers_ = 0;
  size_t pending_ = 0;
  uint64_t generation_ = 0;
};

// Runs fn(begin, end) over [0, count) on up to kernel_threads() threads (at most 16: WorkerPool's, or threads
// of its own when the pool is busy), in chunks that are multiples of `align` (a kernel's batch width); on one thread
// when `work` (the elements it touches) is below `min_work`, where splitting costs more than it saves.
template <typename Fn>
void parallel_for(size_t count, size_t work, size_t min_work, Fn fn, size_t align = 1) {
  size_t threads = kernel_threads();
  if (work < min_work || count < 2) threads = 1;
  threads = std::min(threads, count);
  if (threads <= 1) {
    fn(size_t{0}, count);
    return;
  }
  const size_t chunk = ((count + threads - 1) / threads + align - 1) / align * align;
  const size_t parts = (count + chunk - 1) / chunk;  // one when `align` rounds the chunk up past count
  if (parts <= 1) {
    fn(size_t{0}, count);
    return;
  }
  const std::function<void(size_t)> task = [&](size_t t) { fn(t * chunk, std::min(count, (t + 1) * chunk)); };
  if (WorkerPool::instance().run(parts, task)) return;
  std::vector<std::thread> pool;
  for (size_t t = 1; t < parts; t++) pool.emplace_back(task, t);
  task(0);
  for (auto& th : pool) th.join();
}

// Fresh large buffers are untouched anonymous memory, where every first write to a 4 KiB page traps into the kernel.
// Asking the kernel to map them up front costs it about 40% less (377 MB: 120-146 CPU-ms against 200-214 ms page by
// page, this machine); a no-op for small buffers, pages already present, and other systems.
inline void prefault(void* data, size_t bytes) {
#if defined(__linux__)
  if (bytes < (size_t{8} << 20)) return;
  const uintptr_t page = 4096;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + page - 1) & ~(page - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(page - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
#else
  (void)data;
  (void)bytes;
#endif
}

// Leaf i's message (runtime/proof/merkle/tree.ts, writeLeafMessage): salts row i (salt_width words), then row i of
// each matrix, into dst; returns its length.
inline size_t leaf_message(const uint32_t* const* matrices, const size_t* widths, size_t count, const uint32_t* salts,
                           size_t salt_width, size_t i, uint32_t* dst) {
  size_t off = 0;
  if (salt_width > 0) {
    std::memcpy(dst, salts + i * salt_width, salt_width * 4);
    off = salt_width;
  }
  for (size_t k = 0; k < count; k++) {
    std::memcpy(dst + off, matrices[k] + i * widths[k], widths[k] * 4);
    off += widths[k];
  }
  return off;
}

}  // namespace zpol
