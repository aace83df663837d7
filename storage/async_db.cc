#include "storage/async_db.h"

#include <mariadb/mysql.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "storage/connection_pool.h"

namespace oauthd::storage {

// ---- QueryResult ----

QueryResult::QueryResult(MYSQL_RES* res, uint64_t affected_rows)
    : res_(res), affected_rows_(affected_rows) {}

QueryResult::QueryResult(QueryResult&& other) noexcept
    : res_(other.res_),
      row_(other.row_),
      lengths_(other.lengths_),
      affected_rows_(other.affected_rows_) {
  other.res_ = nullptr;
  other.row_ = nullptr;
}

QueryResult::~QueryResult() {
  if (res_ != nullptr) mysql_free_result(res_);
}

bool QueryResult::Next() {
  if (res_ == nullptr) return false;
  row_ = mysql_fetch_row(res_);  // rows are in memory (store_result): this never waits
  lengths_ = row_ != nullptr ? mysql_fetch_lengths(res_) : nullptr;
  return row_ != nullptr;
}

void QueryResult::Rewind() {
  if (res_ != nullptr) mysql_data_seek(res_, 0);
  row_ = nullptr;
  lengths_ = nullptr;
}

std::string QueryResult::Str(int col) const {
  if (row_ == nullptr || row_[col - 1] == nullptr) return "";
  return std::string(row_[col - 1], lengths_[col - 1]);
}

int64_t QueryResult::Int(int col) const {
  int64_t v = 0;
  if (row_ == nullptr || row_[col - 1] == nullptr) return 0;
  return absl::SimpleAtoi(absl::string_view(row_[col - 1], lengths_[col - 1]), &v) ? v : 0;
}

std::string SqlQuote(absl::string_view value) {
  std::string out;
  out.reserve(value.size() + 2);
  out.push_back('\'');
  for (char ch : value) {
    switch (ch) {
      case '\'':
        out += "''";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\0':
        out += "\\0";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\x1a':
        out += "\\Z";
        break;
      default:
        out.push_back(ch);
    }
  }
  out.push_back('\'');
  return out;
}

// ---- AsyncDb ----

namespace {

int EpollEventsFor(int wait_status) {
  int events = 0;
  if (wait_status & MYSQL_WAIT_READ) events |= EPOLLIN;
  if (wait_status & MYSQL_WAIT_WRITE) events |= EPOLLOUT;
  if (wait_status & MYSQL_WAIT_EXCEPT) events |= EPOLLPRI;
  return events;
}

int WaitStatusFor(uint32_t events) {
  int ready = 0;
  if (events & EPOLLIN) ready |= MYSQL_WAIT_READ;
  if (events & EPOLLOUT) ready |= MYSQL_WAIT_WRITE;
  if (events & EPOLLPRI) ready |= MYSQL_WAIT_EXCEPT;
  // An error or hang-up: let the library read it and report the failure.
  if (events & (EPOLLERR | EPOLLHUP)) ready |= MYSQL_WAIT_READ | MYSQL_WAIT_WRITE;
  return ready;
}

}  // namespace

class AsyncDb::Loop {
 public:
  Loop(const AsyncDbOptions& options, DbHosts& hosts, int connections);
  ~Loop();
  void Query(std::string sql, Done done, bool resend, absl::Duration timeout);
  void AddStats(Stats* out) const {
    out->queries += queries_.load(std::memory_order_relaxed);
    out->failures += failures_.load(std::memory_order_relaxed);
  }

 private:
  struct Job {
    std::string sql;
    Done done;
    absl::Time deadline;
    bool resent = false;
  };
  struct Conn {
    // kQuery → kStore → (a CALL: kNext → kStore … until the last result) → kIdle.
    enum class State { kClosed, kConnecting, kIdle, kQuery, kStore, kNext };
    MYSQL* mysql = nullptr;
    size_t host = 0;  // which of the URL's servers
    int tries = 0;    // connection attempts in a row that failed
    State state = State::kClosed;
    int fd = -1;                 // registered with epoll while open
    int events = 0;              // what epoll watches it for
    Job job;                     // the query on the wire (kQuery, kStore)
    MYSQL_RES* first = nullptr;  // a CALL's rows, while its status is read
    uint64_t first_affected = 0;
    absl::Time deadline = absl::InfiniteFuture();  // of the connect or of the job
  };

  void Run();
  // Hands a job its outcome (and counts it).
  void Answer(Job& job, absl::StatusOr<QueryResult> outcome);
  void Step(Conn& c, int ready);
  void Wait(Conn& c, int wait_status);
  void StartConnect(Conn& c);
  void StartQuery(Conn& c, Job job);
  void StartStore(Conn& c);
  void Stored(Conn& c, MYSQL_RES* res);
  void NextResult(Conn& c, int status, int err);
  void Complete(Conn& c);
  void QueryFailed(Conn& c);
  void ConnectFailed(Conn& c, const std::string& why);
  void Close(Conn& c);
  void Dispatch();
  void ExpireDeadlines(absl::Time now);
  void FailPending(const std::string& why);
  int NextTimeoutMs(absl::Time now) const;
  bool AnyBusy() const;

  const AsyncDbOptions& options_;
  DbHosts& hosts_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::deque<Job> pending_;  // loop thread only
  std::mutex mu_;
  std::vector<Job> incoming_;     // guarded by mu_
  size_t pending_size_hint_ = 0;  // guarded by mu_: pending_'s size after the loop's last turn
  bool stopping_ = false;         // guarded by mu_
  // The loop is in (or about to enter) epoll_wait: only then does a new query need the wake-up
  // write, so a busy loop takes queries without a system call or a context switch each.
  std::atomic<bool> sleeping_{false};
  std::atomic<int64_t> queries_{0}, failures_{0};
  std::thread thread_;
};

AsyncDb::AsyncDb(AsyncDbOptions options)
    : options_(std::move(options)), hosts_(HostsOf(options_.url)) {
  // The library's global state, before any loop thread calls mysql_init (which would otherwise
  // initialise it, racing the other loops).
  static std::once_flag library_init;
  std::call_once(library_init, [] { mysql_library_init(0, nullptr, nullptr); });
  const int loops = std::max(1, options_.loops);
  const int connections = std::max(loops, options_.connections);
  for (int i = 0; i < loops; ++i) {
    loops_.push_back(
        std::make_unique<Loop>(options_, hosts_, connections / loops + (i < connections % loops)));
  }
}

AsyncDb::~AsyncDb() = default;

AsyncDb::Stats AsyncDb::stats() const {
  Stats out;
  for (const auto& loop : loops_) loop->AddStats(&out);
  return out;
}

void AsyncDb::Query(std::string sql, Done done, bool resend, absl::Duration timeout) {
  loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()]->Query(
      std::move(sql), std::move(done), resend,
      timeout > absl::ZeroDuration() ? timeout : options_.timeout);
}

AsyncDb::Loop::Loop(const AsyncDbOptions& options, DbHosts& hosts, int connections)
    : options_(options), hosts_(hosts) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;  // nullptr marks the wake-up fd
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  for (int i = 0; i < connections; ++i) conns_.push_back(std::make_unique<Conn>());
  thread_ = std::thread([this] { Run(); });
}

AsyncDb::Loop::~Loop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  thread_.join();
  close(wake_fd_);
  close(epoll_fd_);
}

void AsyncDb::Loop::Query(std::string sql, Done done, bool resend, absl::Duration timeout) {
  bool refused = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    refused = stopping_ || incoming_.size() + pending_size_hint_ >= options_.max_queued;
    if (!refused) {
      // A query that must not be sent twice starts as if it had been.
      incoming_.push_back(Job{std::move(sql), std::move(done), absl::Now() + timeout, !resend});
    }
  }
  if (refused) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    done(absl::UnavailableError("the asynchronous database queue is full or shutting down"));
    return;
  }
  if (sleeping_.exchange(false)) {
    const uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof one);
  }
}

void AsyncDb::Loop::Run() {
  mysql_thread_init();
  std::vector<Job> taken;
  epoll_event events[64];
  for (;;) {
    sleeping_.store(true);
    bool more;
    {
      std::lock_guard<std::mutex> lock(mu_);
      more = !incoming_.empty() || stopping_;
    }
    const int n = epoll_wait(epoll_fd_, events, 64, more ? 0 : NextTimeoutMs(absl::Now()));
    sleeping_.store(false);
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr == nullptr) {
        uint64_t count;
        (void)!read(wake_fd_, &count, sizeof count);
        continue;
      }
      Step(*static_cast<Conn*>(events[i].data.ptr), WaitStatusFor(events[i].events));
    }
    bool stopping;
    {
      std::lock_guard<std::mutex> lock(mu_);
      taken.swap(incoming_);
      stopping = stopping_;
    }
    for (Job& job : taken) pending_.push_back(std::move(job));
    taken.clear();
    if (stopping) FailPending("the server is shutting down");
    ExpireDeadlines(absl::Now());
    Dispatch();
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending_size_hint_ = pending_.size();
    }
    if (stopping && !AnyBusy()) break;
  }
  for (auto& c : conns_) {
    if (c->state != Conn::State::kClosed) Close(*c);
  }
  mysql_thread_end();
}

void AsyncDb::Loop::Answer(Job& job, absl::StatusOr<QueryResult> outcome) {
  (absl::IsUnavailable(outcome.status()) ? failures_ : queries_)
      .fetch_add(1, std::memory_order_relaxed);
  job.done(std::move(outcome));
}

bool AsyncDb::Loop::AnyBusy() const {
  return std::any_of(conns_.begin(), conns_.end(), [](const std::unique_ptr<Conn>& c) {
    return c->state == Conn::State::kQuery || c->state == Conn::State::kStore ||
           c->state == Conn::State::kNext;
  });
}

int AsyncDb::Loop::NextTimeoutMs(absl::Time now) const {
  absl::Time next = absl::InfiniteFuture();
  if (!pending_.empty()) next = pending_.front().deadline;  // FIFO: the front is the oldest
  for (const auto& c : conns_) next = std::min(next, c->deadline);
  if (next == absl::InfiniteFuture()) return -1;
  return static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(next - now) + 1));
}

void AsyncDb::Loop::FailPending(const std::string& why) {
  while (!pending_.empty()) {
    Job job = std::move(pending_.front());
    pending_.pop_front();
    Answer(job, absl::UnavailableError(why));
  }
}

void AsyncDb::Loop::Dispatch() {
  for (;;) {
    // A query can complete inside StartQuery (the reply was already there), leaving its connection
    // idle again: so look for an idle connection afresh for every query.
    while (!pending_.empty()) {
      auto idle = std::find_if(conns_.begin(), conns_.end(), [](const std::unique_ptr<Conn>& c) {
        return c->state == Conn::State::kIdle;
      });
      if (idle == conns_.end()) break;
      Job job = std::move(pending_.front());
      pending_.pop_front();
      StartQuery(**idle, std::move(job));
    }
    if (pending_.empty()) return;
    // Still queued: open closed connections, one per waiting query.
    size_t connecting = 0;
    for (auto& c : conns_) connecting += c->state == Conn::State::kConnecting;
    bool opened_at_once = false;
    for (auto& c : conns_) {
      if (connecting >= pending_.size()) break;
      if (c->state != Conn::State::kClosed) continue;
      StartConnect(*c);
      if (c->state == Conn::State::kIdle) opened_at_once = true;
      if (c->state == Conn::State::kConnecting) ++connecting;
    }
    if (!opened_at_once) return;
  }
}

void AsyncDb::Loop::ExpireDeadlines(absl::Time now) {
  while (!pending_.empty() && pending_.front().deadline <= now) {
    Job job = std::move(pending_.front());
    pending_.pop_front();
    Answer(job, absl::UnavailableError("no database connection became free in time"));
  }
  for (auto& c : conns_) {
    if (c->deadline > now) continue;
    if (c->state == Conn::State::kConnecting) {
      ConnectFailed(*c, "connecting timed out");
    } else if (c->state == Conn::State::kQuery || c->state == Conn::State::kStore ||
               c->state == Conn::State::kNext) {
      Job job = std::move(c->job);
      Close(*c);
      Answer(job, absl::UnavailableError("the database did not answer in time"));
    }
  }
}

void AsyncDb::Loop::Wait(Conn& c, int wait_status) {
  const int fd = mysql_get_socket(c.mysql);
  const int events = EpollEventsFor(wait_status);
  if (fd == c.fd && events == c.events) return;  // already watched for this: no system call
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = &c;
  if (fd != c.fd) {
    if (c.fd >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
    c.fd = fd;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  } else {
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
  }
  c.events = events;
}

void AsyncDb::Loop::StartConnect(Conn& c) {
  c.mysql = mysql_init(nullptr);
  const unsigned int timeout =
      static_cast<unsigned int>(std::max<int64_t>(1, absl::ToInt64Seconds(options_.timeout)));
  mysql_options(c.mysql, MYSQL_OPT_NONBLOCK, nullptr);
  mysql_options(c.mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  mysql_options(c.mysql, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  c.state = Conn::State::kConnecting;
  c.deadline = absl::Now() + options_.timeout;
  MYSQL* ret = nullptr;
  const DbUrl& u = options_.url;
  c.host = hosts_.Pick();
  const DbHost& h = hosts_[c.host];
  const int status =
      mysql_real_connect_start(&ret, c.mysql, h.host.c_str(), u.user.c_str(), u.password.c_str(),
                               u.database.c_str(), static_cast<unsigned int>(h.port), nullptr, 0);
  if (status != 0) return Wait(c, status);
  if (ret == nullptr) return ConnectFailed(c, mysql_error(c.mysql));
  c.state = Conn::State::kIdle;
  c.deadline = absl::InfiniteFuture();
  c.tries = 0;
}

void AsyncDb::Loop::StartQuery(Conn& c, Job job) {
  c.job = std::move(job);
  c.state = Conn::State::kQuery;
  c.deadline = c.job.deadline;
  int err = 0;
  const int status = mysql_real_query_start(&err, c.mysql, c.job.sql.data(), c.job.sql.size());
  if (status != 0) return Wait(c, status);
  if (err != 0) return QueryFailed(c);
  StartStore(c);
}

void AsyncDb::Loop::StartStore(Conn& c) {
  c.state = Conn::State::kStore;
  MYSQL_RES* res = nullptr;
  const int status = mysql_store_result_start(&res, c.mysql);
  if (status != 0) return Wait(c, status);
  Stored(c, res);
}

void AsyncDb::Loop::Step(Conn& c, int ready) {
  switch (c.state) {
    case Conn::State::kConnecting: {
      MYSQL* ret = nullptr;
      const int status = mysql_real_connect_cont(&ret, c.mysql, ready);
      if (status != 0) return Wait(c, status);
      if (ret == nullptr) return ConnectFailed(c, mysql_error(c.mysql));
      c.state = Conn::State::kIdle;
      c.deadline = absl::InfiniteFuture();
      c.tries = 0;
      return Dispatch();
    }
    case Conn::State::kQuery: {
      int err = 0;
      const int status = mysql_real_query_cont(&err, c.mysql, ready);
      if (status != 0) return Wait(c, status);
      if (err != 0) return QueryFailed(c);
      return StartStore(c);
    }
    case Conn::State::kStore: {
      MYSQL_RES* res = nullptr;
      const int status = mysql_store_result_cont(&res, c.mysql, ready);
      if (status != 0) return Wait(c, status);
      return Stored(c, res);
    }
    case Conn::State::kNext: {
      int err = 0;
      const int status = mysql_next_result_cont(&err, c.mysql, ready);
      return NextResult(c, status, err);
    }
    case Conn::State::kIdle:
      // Nothing was asked, yet the socket is readable: the server closed it (idle timeout,
      // restart). Drop it; the next query opens a fresh one.
      return Close(c);
    case Conn::State::kClosed:
      return;
  }
}

void AsyncDb::Loop::Stored(Conn& c, MYSQL_RES* res) {
  if (res == nullptr && mysql_field_count(c.mysql) != 0) return QueryFailed(c);
  // The caller gets the first result; any later one (a CALL ends with its status) is read and
  // dropped, since the connection takes no query before the last.
  if (c.first == nullptr && res != nullptr) {
    c.first = res;
  } else if (c.first == nullptr) {
    c.first_affected = mysql_affected_rows(c.mysql);
  } else if (res != nullptr) {
    mysql_free_result(res);
  }
  if (!mysql_more_results(c.mysql)) return Complete(c);
  c.state = Conn::State::kNext;
  int err = 0;
  const int status = mysql_next_result_start(&err, c.mysql);
  NextResult(c, status, err);
}

void AsyncDb::Loop::NextResult(Conn& c, int status, int err) {
  if (status != 0) return Wait(c, status);
  if (err > 0) return QueryFailed(c);
  if (err < 0) return Complete(c);  // no more results after all
  StartStore(c);
}

void AsyncDb::Loop::Complete(Conn& c) {
  MYSQL_RES* res = std::exchange(c.first, nullptr);
  const uint64_t affected = std::exchange(c.first_affected, 0);
  Job job = std::move(c.job);
  c.state = Conn::State::kIdle;
  c.deadline = absl::InfiniteFuture();
  // The socket stays watched for reading while idle: it is readable then only if the server closed
  // it, and the next query waits for reading anyway (no epoll_ctl per query).
  Answer(job, QueryResult(res, affected));
}

void AsyncDb::Loop::QueryFailed(Conn& c) {
  if (c.first != nullptr) mysql_free_result(std::exchange(c.first, nullptr));
  c.first_affected = 0;
  const unsigned int code = mysql_errno(c.mysql);
  Job job = std::move(c.job);
  const std::string msg = DescribeSqlError(static_cast<int>(code), mysql_sqlstate(c.mysql),
                                           mysql_error(c.mysql), job.sql);
  if (IsConnectionLostCode(static_cast<int>(code))) {
    hosts_.MarkDown(c.host);
    Close(c);
    if (!job.resent) {  // the server restarted, say: once more on a fresh connection
      job.resent = true;
      pending_.push_front(std::move(job));
      return Dispatch();
    }
    return Answer(job, absl::UnavailableError(absl::StrCat(
                           "the connection was lost; a write's outcome is unknown (", msg, ")")));
  }
  if (code >= 2000 && code < 3000) {
    Close(c);  // a client-side error (CR_*) leaves the protocol in an unknown state: start afresh
  } else {
    c.state = Conn::State::kIdle;  // the server answered with an error: the connection is fine
    c.deadline = absl::InfiniteFuture();
  }
  if (code == kDuplicateKeyError) return Answer(job, absl::AlreadyExistsError(msg));
  if (code == 1213 /* ER_LOCK_DEADLOCK */ || code == 1205 /* ER_LOCK_WAIT_TIMEOUT */)
    return Answer(job, absl::AbortedError(msg));
  Answer(job, absl::InternalError(msg));
}

void AsyncDb::Loop::ConnectFailed(Conn& c, const std::string& why) {
  hosts_.MarkDown(c.host);
  Close(c);
  // Another server of the URL may answer (the node this one was on died): try each once.
  if (++c.tries < static_cast<int>(hosts_.size())) return StartConnect(c);
  c.tries = 0;
  // Nothing else can serve the queue: fail it rather than let every query wait out its deadline.
  const bool any_open = std::any_of(conns_.begin(), conns_.end(), [](const auto& other) {
    return other->state != Conn::State::kClosed;
  });
  if (!any_open) {
    FailPending(absl::StrCat("cannot connect to MySQL at ", hosts_[c.host].host, ":",
                             hosts_[c.host].port, ": ", why));
  }
}

void AsyncDb::Loop::Close(Conn& c) {
  if (c.fd >= 0) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
    // Whatever state the protocol is in, end it here so that closing sends nothing and waits for
    // nothing.
    shutdown(c.fd, SHUT_RDWR);
  }
  if (c.first != nullptr) mysql_free_result(std::exchange(c.first, nullptr));
  c.first_affected = 0;
  if (c.mysql != nullptr) mysql_close(c.mysql);
  c.mysql = nullptr;
  c.fd = -1;
  c.events = 0;
  c.state = Conn::State::kClosed;
  c.deadline = absl::InfiniteFuture();
}

}  // namespace oauthd::storage
