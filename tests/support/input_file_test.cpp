// tests/support/input_file_test.cpp — sysfence/input_file.hpp: every reader of user input gets
// the whole file or an error that says what the file is; never a hang on a FIFO nobody writes
// to, never an unbounded read of a device.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>
#include <variant>

#include "sysfence/input_file.hpp"

namespace {

class InputFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sysfence-input-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (const char* name : {"small", "big", "fifo", "empty"})
      ::unlink((dir_ + "/" + name).c_str());
    ::rmdir(dir_.c_str());
  }
  std::string write(const char* name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::string dir_;
};

const sysfence::FileProblem& problem(const sysfence::Error& e) {
  static const sysfence::FileProblem none{};
  const auto* p = std::get_if<sysfence::FileProblem>(&e.payload);
  return p ? *p : none;
}

TEST_F(InputFile, ReadsARegularFileWhole) {
  std::string text(200000, 'x');  // more than one read() of the reader's buffer
  text += "\nend\n";
  auto got = sysfence::read_input_file(write("small", text));
  ASSERT_TRUE(got) << got.error().render();
  EXPECT_EQ(*got, text);
  auto empty = sysfence::read_input_file(write("empty", ""));
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, "");
}

TEST_F(InputFile, MissingFileNamesThePathAndTheErrno) {
  std::string path = dir_ + "/no-such-file";
  auto got = sysfence::read_input_file(path);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().sys_errno, ENOENT);
  EXPECT_EQ(got.error().message, path + ": No such file or directory");
  EXPECT_EQ(problem(got.error()).path, path);
}

TEST_F(InputFile, DirectoryIsRefusedWithAHint) {
  auto got = sysfence::read_input_file(dir_);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, dir_ + ": is a directory");
  EXPECT_EQ(got.error().hint, "name a file");
}

TEST_F(InputFile, LargerThanTheBudgetIsRefusedBeforeReading) {
  sysfence::InputFileOptions small;
  small.max_bytes = 1000;
  std::string path = write("big", std::string(1001, 'y'));
  auto got = sysfence::read_input_file(path, small);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, path + ": is larger than 1000 bytes");
  EXPECT_EQ(got.error().sys_errno, EFBIG);
  // The positive control: exactly the budget is read.
  small.max_bytes = 1001;
  EXPECT_TRUE(sysfence::read_input_file(path, small));
}

TEST_F(InputFile, DevicesAreCutAtTheBudgetNotReadForever) {
  sysfence::InputFileOptions o;
  o.max_bytes = 1 << 16;
  auto got = sysfence::read_input_file("/dev/zero", o);  // endless: stops at the budget
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, "/dev/zero: is larger than 65536 bytes");
  o.regular_only = true;  // @include: not even opened for reading
  got = sysfence::read_input_file("/dev/zero", o);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, "/dev/zero: is a character device, not a regular file");
  EXPECT_EQ(got.error().hint, "only regular files can be included");
}

TEST_F(InputFile, AFifoNobodyWritesToIsRefusedWithoutBlocking) {
  std::string path = dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  sysfence::InputFileOptions o;
  o.regular_only = true;
  auto got = sysfence::read_input_file(path, o);  // would block forever without O_NONBLOCK
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().message, path + ": is a FIFO, not a regular file");
}

TEST(InputFileSize, DescribeSize) {
  EXPECT_EQ(sysfence::describe_size(sysfence::kMaxInputBytes), "16 MiB");
  EXPECT_EQ(sysfence::describe_size(size_t{1} << 20), "1 MiB");
  EXPECT_EQ(sysfence::describe_size(1000), "1000 bytes");
}

}  // namespace
