#include "gateway/http_server.h"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <thread>
#include <type_traits>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace oauthd::gateway {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

std::chrono::milliseconds Ms(absl::Duration d) { return absl::ToChronoMilliseconds(d); }

// Shared by the sessions: what Stop waits for, and whether it has begun.
struct ServerState {
  std::atomic<int> exchanges{0};    // requests read whose answers are not yet written
  std::atomic<int> connections{0};  // open connections, for --max-connections
  // Requests handed to the handler whose answer callback still exists: the thread that calls it
  // may use the session, whose socket belongs to the io_context, so Stop waits for them.
  std::atomic<int> answering{0};
  std::atomic<bool> draining{false};
};

// The stream a session speaks over: plain TCP, or TLS over TCP (--tls-cert).
template <typename Stream>
Stream MakeStream(tcp::socket socket, ssl::context* tls) {
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    return Stream(std::move(socket), *tls);
  } else {
    return Stream(std::move(socket));
  }
}

template <typename Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Session(tcp::socket socket, ssl::context* tls, const HttpServerOptions& options,
          const HttpHandler& handler, ServerState* state)
      : stream_(MakeStream<Stream>(std::move(socket), tls)),
        options_(options),
        handler_(handler),
        state_(state) {
    ++state_->connections;
    beast::error_code ec;
    auto ep = Socket().remote_endpoint(ec);
    if (!ec) peer_ = ep.address().to_string();
    Socket().set_option(tcp::no_delay(true), ec);
    // Reply's own send (plain TCP only) returns at once when the socket's buffer is full.
    if constexpr (!kTls) Socket().non_blocking(true, ec);
  }

  ~Session() { --state_->connections; }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      // Over the cap, the connection gets one answer and is closed, so that a flood of idle
      // connections cannot exhaust memory or descriptors.
      if (self->state_->connections.load() > self->options_.max_connections) {
        if constexpr (kTls) return self->Close();  // no handshake spent on it
        return self->Refuse(AppErrorResponse(503, "api.gateway.too_many_connections.app_error",
                                             "Too many connections; try again later.", ""));
      }
      if constexpr (kTls) {
        // The handshake counts against the read timeout, so a silent client cannot hold it.
        self->Tcp().expires_after(Ms(self->options_.read_timeout));
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec) return self->Close();
          self->Read();
        });
      } else {
        self->Read();
      }
    });
  }

 private:
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }
  tcp::socket& Socket() { return Tcp().socket(); }
  void Close() {
    beast::error_code ignored;
    Socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  // The next request: on a connection that already answered one, first wait (up to the idle
  // timeout) for its first bytes; then the whole request has the read timeout.
  void Read() {
    if (answered_ && buffer_.size() == 0) return WaitIdle();
    ReadRequest();
  }

  void WaitIdle() {
    Tcp().expires_after(Ms(options_.idle_timeout));
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->Close();  // idle too long, or the client closed
                              self->buffer_.commit(n);
                              self->ReadRequest();
                            });
  }

  void ReadRequest() {
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
    Tcp().expires_after(Ms(options_.read_timeout));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      return Refuse(AppErrorResponse(413, "api.context.request_body_too_large.app_error",
                                     "The request body is too large.", ""));
    }
    if (ec == http::error::header_limit) {
      return Refuse(AppErrorResponse(431, "api.context.request_headers_too_large.app_error",
                                     "The request headers are too large.", ""));
    }
    if (ec) {
      // Timeouts, resets, end of stream, unparsable requests: nothing more can be said on this
      // connection.
      if (ec != http::error::end_of_stream && ec != beast::error::timeout &&
          ec != net::error::operation_aborted && ec != net::error::connection_reset &&
          ec != net::error::eof && ec.category() != net::error::get_ssl_category() &&
          ec != ssl::error::stream_truncated) {
        return Refuse(AppErrorResponse(400, "api.context.bad_request.app_error",
                                       "The request is malformed.", ""));
      }
      return Close();
    }
    auto& msg = parser_->get();
    keep_alive_ = msg.keep_alive();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (const auto& field : msg) {
      req.headers.emplace_back(absl::AsciiStrToLower(std::string(field.name_string())),
                               std::string(field.value()));
    }
    req.body = std::move(msg.body());
    req.peer_ip = peer_;
    Tcp().expires_never();  // the upstream call has its own deadline
    ++state_->exchanges;    // until its answer is written
    // Over plain TCP the answer is written by whichever thread has it: this one for an answer
    // given at once (a cache hit, a gateway error), a gRPC thread for an upstream's. Until then
    // nothing else runs for this session (no read is pending, its timers are off), so that thread
    // may use it. A TLS stream's state stays on the session's strand.
    auto answer = std::make_shared<Answer>(this->shared_from_this());
    handler_(std::move(req), [answer](HttpResponse resp) {
      const std::shared_ptr<Session>& self = answer->session;
      if constexpr (kTls) {
        // The strand's task holds the session, not `answer`: a task a stopped server never runs
        // must not hold up Stop.
        net::dispatch(self->stream_.get_executor(), [self, resp = std::move(resp)]() mutable {
          self->Reply(std::move(resp), !self->keep_alive_);
        });
      } else {
        self->Reply(std::move(resp), !self->keep_alive_);
      }
    });
  }

  // What a request's answer callback holds: the session, released before it is counted out.
  struct Answer {
    explicit Answer(std::shared_ptr<Session> s) : session(std::move(s)) {
      ++session->state_->answering;
    }
    ~Answer() {
      ServerState* state = session->state_;
      session.reset();
      --state->answering;
    }
    std::shared_ptr<Session> session;
  };

  // An answer made here, without the handler, to a request that cannot be read; the connection
  // closes after it.
  void Refuse(HttpResponse resp) {
    ++state_->exchanges;
    Reply(std::move(resp), /*close=*/true);
  }

  // Writes the answer to a counted exchange. Over plain TCP an answer that fits the socket's send
  // buffer (nearly all do) is sent at once, without blocking, by the thread that has it, which
  // then arms the next request's read: an answer from a gRPC thread reaches the client without
  // waking one of this server's threads (bench/README.md, "the gateway's answers written by the
  // thread that has them"). The rest of a longer answer, and every answer over TLS, is written
  // asynchronously under the write timeout.
  void Reply(HttpResponse resp, bool close) {
    // A draining server tells keep-alive clients to go elsewhere for their next request.
    close = close || state_->draining.load();
    auto wire = std::make_shared<std::string>(Serialize(std::move(resp), close));
    size_t sent = 0;
    if constexpr (!kTls) {
      beast::error_code ec;
      sent = Socket().send(net::buffer(*wire), 0, ec);  // the socket is non-blocking
      if (ec == net::error::would_block || ec == net::error::try_again) {
        sent = 0;
      } else if (ec || sent == wire->size()) {
        return Written(ec, close);
      }
    }
    Tcp().expires_after(Ms(options_.write_timeout));
    net::async_write(stream_, net::buffer(*wire) + sent,
                     [self = this->shared_from_this(), wire, close](
                         beast::error_code ec, std::size_t) { self->Written(ec, close); });
  }

  // The answer is written (or failed): the connection closes, or waits for its next request.
  void Written(beast::error_code ec, bool close) {
    --state_->exchanges;
    if (ec || close) return Close();
    answered_ = true;
    Read();
  }

  // The answer as it goes on the wire.
  std::string Serialize(HttpResponse resp, bool close) const {
    http::response<http::string_body> res;
    res.version(11);
    res.result(static_cast<unsigned>(resp.status));
    for (const auto& [k, v] : resp.headers) res.insert(k, v);
    res.body() = std::move(resp.body);
    res.keep_alive(!close);  // HTTP/1.1: "Connection: close" on the last answer
    // How long the connection may stay idle, so that a client (or a proxy pooling connections)
    // stops using it before the server closes it.
    if (!close) res.set(http::field::keep_alive, keep_alive_header_);
    res.prepare_payload();
    std::string wire;
    wire.reserve(res.body().size() + 512);
    http::serializer<false, http::string_body> sr{res};
    beast::error_code ec;
    do {
      sr.next(ec, [&](beast::error_code&, const auto& buffers) {
        for (const auto b : beast::buffers_range_ref(buffers))
          wire.append(static_cast<const char*>(b.data()), b.size());
        sr.consume(beast::buffer_bytes(buffers));
      });
    } while (!ec && !sr.is_done());
    return wire;
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const HttpServerOptions& options_;
  const HttpHandler& handler_;
  ServerState* state_;
  std::string peer_;
  bool keep_alive_ = true;
  bool answered_ = false;  // an answer was written: the connection is a kept-alive one
  const std::string keep_alive_header_ =
      absl::StrCat("timeout=", absl::ToInt64Seconds(options_.idle_timeout));
};

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  HttpHandler handler;
  std::optional<ssl::context> tls;  // with --tls-cert
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::vector<std::thread> threads;
  ServerState state;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;

  void Accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted) return;
      if (!ec && tls) {
        std::make_shared<Session<TlsStream>>(std::move(socket), &*tls, options, handler, &state)
            ->Start();
      } else if (!ec) {
        std::make_shared<Session<beast::tcp_stream>>(std::move(socket), nullptr, options, handler,
                                                     &state)
            ->Start();
      }
      Accept();
    });
  }
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler) : impl_(new Impl) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

HttpServer::~HttpServer() { Stop(absl::ZeroDuration()); }

absl::Status HttpServer::Start() {
  const std::string& listen = impl_->options.listen;
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--listen must be HOST:PORT, got ", listen));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  beast::error_code ec;
  if (!impl_->options.tls_cert_file.empty()) {
    impl_->tls.emplace(ssl::context::tls_server);
    impl_->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                            ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                            ssl::context::no_tlsv1_1);
    impl_->tls->use_certificate_chain_file(impl_->options.tls_cert_file, ec);
    if (ec) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--tls-cert: cannot use ", impl_->options.tls_cert_file, ": ", ec.message()));
    }
    impl_->tls->use_private_key_file(impl_->options.tls_key_file, ssl::context::pem, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("--tls-key: cannot use ", impl_->options.tls_key_file, ": ", ec.message()));
    }
  }
  auto address = net::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec)
    return absl::InvalidArgumentError(
        absl::StrCat("--listen host must be an IP address, got ", host));
  tcp::endpoint ep(address, static_cast<unsigned short>(port));
  impl_->acceptor.open(ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(ep, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen, ": ", ec.message()));
  impl_->work.emplace(impl_->ioc.get_executor());
  impl_->Accept();
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  }
  return absl::OkStatus();
}

int HttpServer::port() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void HttpServer::StartDraining() { impl_->state.draining = true; }

void HttpServer::Stop(absl::Duration grace) {
  if (impl_->threads.empty()) return;
  net::post(impl_->ioc, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  impl_->state.draining = true;
  // Idle keep-alive connections are closed with the rest (as Go's Server.Shutdown does); only
  // requests being answered are waited for.
  const absl::Time deadline = absl::Now() + grace;
  while (impl_->state.exchanges.load() > 0 && absl::Now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  // An answer still to come (an upstream call past the grace ends at its deadline) is written by
  // the thread that gets it, on a socket of this io_context: the context stays until it is done.
  while (impl_->state.answering.load() > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

}  // namespace oauthd::gateway
