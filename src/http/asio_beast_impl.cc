// Asio and Beast are compiled here once (BOOST_*_SEPARATE_COMPILATION is set for the build).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
