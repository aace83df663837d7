// The gateway's HTTP server with a handler of the test's own: answers given from other threads
// (as the gRPC client gives them), an answer longer than the socket can take at once, and a stop
// while an answer is still to come.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "gateway/http_server.h"

namespace oauthd::gateway {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Done = std::function<void(HttpResponse)>;

HttpResponse Text(std::string body) {
  HttpResponse r;
  r.status = 200;
  r.SetHeader("Content-Type", "text/plain");
  r.body = std::move(body);
  return r;
}

// Answers each request from a thread of its own, after `delay`, with what `answer` makes of the
// request's target.
class ThreadedHandler {
 public:
  ThreadedHandler(std::chrono::milliseconds delay, std::function<std::string(std::string)> answer)
      : delay_(delay), answer_(std::move(answer)) {}
  ~ThreadedHandler() {
    for (auto& t : threads_) t.join();
  }
  HttpHandler handler() {
    return [this](HttpRequest req, Done done) {
      ++received_;
      threads_.emplace_back([this, target = req.target, done = std::move(done)] {
        std::this_thread::sleep_for(delay_);
        done(Text(answer_(target)));
        ++answered_;
      });
    };
  }
  int answered() const { return answered_.load(); }
  // Waits (up to 10 s) until the server has handed it `n` requests.
  bool WaitReceived(int n) const {
    for (int i = 0; i < 10000 && received_.load() < n; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return received_.load() >= n;
  }

 private:
  std::chrono::milliseconds delay_;
  std::function<std::string(std::string)> answer_;
  std::vector<std::thread> threads_;  // only the server's threads add to it, one request at a time
  std::atomic<int> received_{0};
  std::atomic<int> answered_{0};
};

struct Client {
  net::io_context ioc;
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;

  explicit Client(int port, int receive_buffer = 0) {
    socket.open(tcp::v4());
    if (receive_buffer > 0)
      socket.set_option(net::socket_base::receive_buffer_size(receive_buffer));
    socket.connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  }
  void Send(const std::string& target) {
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "localhost");
    http::write(socket, req);
  }
  http::response<http::string_body> Receive() {
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(socket, buffer, parser);
    return parser.release();
  }
};

HttpServerOptions Options() {
  HttpServerOptions o;
  o.listen = "127.0.0.1:0";
  return o;
}

TEST(GatewayHttpServer, AnswersFromOtherThreadsKeepTheConnectionServing) {
  ThreadedHandler handler(std::chrono::milliseconds(5), [](std::string t) { return "re " + t; });
  HttpServer server(Options(), handler.handler());
  ASSERT_TRUE(server.Start().ok());
  Client client(server.port());
  for (int i = 0; i < 20; ++i) {
    const std::string target = "/r" + std::to_string(i);
    client.Send(target);
    auto res = client.Receive();
    EXPECT_EQ(res.result_int(), 200);
    EXPECT_EQ(res.body(), "re " + target);
    EXPECT_TRUE(res.keep_alive());
  }
  server.Stop(absl::Seconds(1));
}

TEST(GatewayHttpServer, AnAnswerLongerThanTheSocketTakesReachesALateReader) {
  // 8 MB cannot fit the kernel's buffers of a client that reads nothing for a while: the send
  // made by the answering thread is partial, and the rest is written asynchronously.
  std::string big(8 << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + (i / 4096) % 26);
  ThreadedHandler handler(std::chrono::milliseconds(1), [&big](std::string t) {
    return t == "/big" ? big : std::string("small");
  });
  HttpServer server(Options(), handler.handler());
  ASSERT_TRUE(server.Start().ok());
  Client client(server.port(), /*receive_buffer=*/4096);
  client.Send("/big");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto res = client.Receive();
  EXPECT_EQ(res.result_int(), 200);
  ASSERT_EQ(res.body().size(), big.size());
  EXPECT_TRUE(res.body() == big);
  // The connection goes on after the asynchronous remainder.
  client.Send("/next");
  auto next = client.Receive();
  EXPECT_EQ(next.body(), "small");
  server.Stop(absl::Seconds(1));
}

TEST(GatewayHttpServer, StopWaitsForAnAnswerStillToComeAndItIsWritten) {
  // The answer comes after the grace: Stop still waits for the thread that writes it, since that
  // thread uses the connection's socket, which belongs to the server.
  ThreadedHandler handler(std::chrono::milliseconds(500), [](std::string) { return "late"; });
  auto server = std::make_unique<HttpServer>(Options(), handler.handler());
  ASSERT_TRUE(server->Start().ok());
  Client client(server->port());
  client.Send("/slow");
  ASSERT_TRUE(handler.WaitReceived(1));  // the request is being answered
  const auto start = std::chrono::steady_clock::now();
  server->Stop(absl::ZeroDuration());
  const auto stopped_after = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(handler.answered(), 1);
  EXPECT_GE(stopped_after, std::chrono::milliseconds(250));
  server.reset();  // the io_context goes only now, after the answer's thread is done with it
  auto res = client.Receive();
  EXPECT_EQ(res.body(), "late");
  EXPECT_FALSE(res.keep_alive());  // a stopping server closes the connection after it
}

}  // namespace
}  // namespace oauthd::gateway
