"""The `cjson` Lua library as Redis 7.0 embeds it (lua-cjson 2.1.0), written in Lua.

Encoding and decoding follow lua_cjson.c: `%.14g` numbers, `\\/` escapes, sparse array
rules, nesting limits, strtod's number syntax, and the same error texts with the same
character positions.
"""

# A chunk called with (args helpers, null sentinel); it returns the module table.
CJSON_LUA = r"""
local A, null = ...
local type, next, error, tonumber, tostring, select, rawget, rawset =
    type, next, error, tonumber, tostring, select, rawget, rawset
local format, byte, sub, find, gsub, char, lower =
    string.format, string.byte, string.sub, string.find, string.gsub, string.char, string.lower
local floor, huge = math.floor, math.huge
local concat, ipairs = table.concat, ipairs

local INT_MAX = 2147483647

local escapes = {}
for i = 0, 31 do escapes[char(i)] = format("\\u%04x", i) end
escapes["\b"] = "\\b"; escapes["\t"] = "\\t"; escapes["\n"] = "\\n"
escapes["\f"] = "\\f"; escapes["\r"] = "\\r"
escapes['"'] = '\\"'; escapes["\\"] = "\\\\"; escapes["/"] = "\\/"
escapes["\127"] = "\\u007f"

local token_names = {
  "T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING", "T_NUMBER",
  "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END",
}
local T_OBJ_BEGIN, T_OBJ_END, T_ARR_BEGIN, T_ARR_END, T_STRING, T_NUMBER, T_BOOLEAN,
    T_NULL, T_COLON, T_COMMA, T_END, T_ERROR = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13
local single = {
  [123] = T_OBJ_BEGIN, [125] = T_OBJ_END, [91] = T_ARR_BEGIN, [93] = T_ARR_END,
  [44] = T_COMMA, [58] = T_COLON,
}
local unescape = {
  [34] = '"', [92] = "\\", [47] = "/", [98] = "\b", [116] = "\t", [110] = "\n",
  [102] = "\f", [114] = "\r",
}

local function utf8(cp)
  if cp <= 0x7F then return char(cp) end
  if cp <= 0x7FF then
    return char(floor(cp / 64) + 0xC0, cp % 64 + 0x80)
  end
  if cp <= 0xFFFF then
    return char(floor(cp / 4096) + 0xE0, floor(cp / 64) % 64 + 0x80, cp % 64 + 0x80)
  end
  return char(floor(cp / 262144) + 0xF0, floor(cp / 4096) % 64 + 0x80,
              floor(cp / 64) % 64 + 0x80, cp % 64 + 0x80)
end

-- The prefix of s at pos that C's strtod would convert, or nil.
local function strtod_prefix(s, pos)
  local _, e = find(s, "^[+-]?", pos)
  local p = e + 1
  local c = lower(sub(s, p, p + 2))
  if c == "inf" then
    if lower(sub(s, p, p + 7)) == "infinity" then return sub(s, pos, p + 7) end
    return sub(s, pos, p + 2)
  elseif c == "nan" then
    local _, pe = find(s, "^%([%w_]*%)", p + 3)
    return sub(s, pos, pe or (p + 2))
  end
  local hs, he = find(s, "^0[xX]%x*%.?%x*", p)
  if hs and find(sub(s, hs + 2, he), "%x") then
    local _, xe = find(s, "^[pP][+-]?%d+", he + 1)
    return sub(s, pos, xe or he)
  end
  local ds, de = find(s, "^%d*%.?%d*", p)
  if not find(sub(s, ds, de), "%d") then return nil end
  local _, ee = find(s, "^[eE][+-]?%d+", de + 1)
  return sub(s, pos, ee or de)
end

local function new()
  local cfg = {
    sparse_convert_i = 0, sparse_ratio = 2, sparse_safe = 10,
    encode_max_depth = 1000, decode_max_depth = 1000,
    encode_invalid_numbers = 0, decode_invalid_numbers = 1,
    keep_buffer = 1, precision = 14,
  }
  local M = {}

  -- json_arg_init: no more than `args` arguments.
  local function arg_init(n, args)
    if n > args then A.argerror(2, args + 1, "found too many arguments") end
  end

  -- json_integer_option; a range error always names argument 1, as lua_cjson does.
  local function integer_option(narg, key, min, max, n, ...)
    if narg <= n and (select(narg, ...)) ~= nil then
      local value = A.checkinteger(2, narg, n, ...)
      if value < min or value > max then
        A.argerror(2, 1, format("expected integer between %d and %d", min, max))
      end
      cfg[key] = value
    end
    return cfg[key]
  end

  -- json_enum_option: booleans map to 0 / bool_true, strings to their option index.
  local function enum_option(narg, key, options, bool_true, n, ...)
    if not options then options = {"off", "on"}; bool_true = 1 end
    local v = (select(narg, ...))
    if narg <= n and v ~= nil then
      if bool_true and type(v) == "boolean" then
        cfg[key] = v and bool_true or 0
      else
        local name = A.checkstring(2, narg, n, ...)
        local found
        for i, option in ipairs(options) do
          if option == name then found = i - 1 end
        end
        if not found then A.argerror(2, narg, "invalid option '" .. name .. "'") end
        cfg[key] = found
      end
    end
    local setting = cfg[key]
    if bool_true and (setting == 0 or setting == bool_true) then return setting ~= 0 end
    return options[setting + 1]
  end

  function M.encode_sparse_array(...)
    local n = select("#", ...)
    arg_init(n, 3)
    local convert = enum_option(1, "sparse_convert_i", nil, 1, n, ...)
    local ratio = integer_option(2, "sparse_ratio", 0, INT_MAX, n, ...)
    local safe = integer_option(3, "sparse_safe", 0, INT_MAX, n, ...)
    return convert, ratio, safe
  end

  function M.encode_max_depth(...)
    local n = select("#", ...)
    arg_init(n, 1)
    return (integer_option(1, "encode_max_depth", 1, INT_MAX, n, ...))
  end

  function M.decode_max_depth(...)
    local n = select("#", ...)
    arg_init(n, 1)
    return (integer_option(1, "decode_max_depth", 1, INT_MAX, n, ...))
  end

  function M.encode_number_precision(...)
    local n = select("#", ...)
    arg_init(n, 1)
    return (integer_option(1, "precision", 1, 14, n, ...))
  end

  function M.encode_keep_buffer(...)
    local n = select("#", ...)
    arg_init(n, 1)
    return (enum_option(1, "keep_buffer", nil, 1, n, ...))
  end

  function M.encode_invalid_numbers(...)
    local n = select("#", ...)
    arg_init(n, 1)
    return (enum_option(1, "encode_invalid_numbers", {"off", "on", "null"}, 1, n, ...))
  end

  function M.decode_invalid_numbers(...)
    local n = select("#", ...)
    arg_init(n, 1)
    return (enum_option(1, "decode_invalid_numbers", nil, 1, n, ...))
  end

  -- ===== Encoding =====

  local function encode_exception(value, reason)
    error("Cannot serialise " .. type(value) .. ": " .. reason, 0)
  end

  local function encode_number(num)
    if num ~= num or num == huge or num == -huge then
      local mode = cfg.encode_invalid_numbers
      if mode == 0 then
        encode_exception(num, "must not be NaN or Inf")
      elseif mode == 1 then
        if num ~= num then return "nan" end
      else
        return "null"
      end
    end
    return format("%." .. cfg.precision .. "g", num)
  end

  local function encode_string(s)
    return '"' .. gsub(s, '[%c"\\/]', escapes) .. '"'
  end

  -- lua_array_length: the array size, or -1 for an object.
  local function array_length(t)
    local max, items = 0, 0
    for k in next, t do
      if type(k) == "number" and k ~= 0 and floor(k) == k and k >= 1 then
        -- lua_cjson keeps the maximum in a C int: larger keys become INT_MIN on x86.
        if k > max then max = k < 2147483648 and k or -2147483648 end
        items = items + 1
      else
        return -1
      end
    end
    if cfg.sparse_ratio > 0 and max > items * cfg.sparse_ratio and max > cfg.sparse_safe then
      if cfg.sparse_convert_i == 0 then encode_exception(t, "excessively sparse array") end
      return -1
    end
    return max
  end

  local append_data

  local function append_table(t, depth, out)
    depth = depth + 1
    if depth > cfg.encode_max_depth then
      error("Cannot serialise, excessive nesting (" .. depth .. ")", 0)
    end
    local len = array_length(t)
    if len > 0 then
      out[#out + 1] = "["
      for i = 1, len do
        if i > 1 then out[#out + 1] = "," end
        append_data(rawget(t, i), depth, out)
      end
      out[#out + 1] = "]"
    else
      out[#out + 1] = "{"
      local comma = false
      for k, v in next, t do
        if comma then out[#out + 1] = "," else comma = true end
        local kt = type(k)
        if kt == "number" then
          out[#out + 1] = '"' .. encode_number(k) .. '":'
        elseif kt == "string" then
          out[#out + 1] = encode_string(k) .. ":"
        else
          encode_exception(k, "table key must be a number or string")
        end
        append_data(v, depth, out)
      end
      out[#out + 1] = "}"
    end
  end

  append_data = function(v, depth, out)
    local t = type(v)
    if t == "string" then
      out[#out + 1] = encode_string(v)
    elseif t == "number" then
      out[#out + 1] = encode_number(v)
    elseif t == "boolean" then
      out[#out + 1] = v and "true" or "false"
    elseif t == "table" then
      append_table(v, depth, out)
    elseif v == nil or v == null then
      out[#out + 1] = "null"
    else
      encode_exception(v, "type not supported")
    end
  end

  function M.encode(...)
    if select("#", ...) ~= 1 then A.argerror(1, 1, "expected 1 argument") end
    local out = {}
    append_data((...), 0, out)
    return concat(out)
  end

  -- ===== Decoding =====

  local s, len, pos, depth

  local function token_error(at, message)
    return T_ERROR, message, at
  end

  -- The next token: type, value, index (0-based, as lua_cjson reports it).
  local function next_token()
    pos = find(s, "[^ \t\n\r]", pos) or len + 1
    local index = pos - 1
    local c = byte(s, pos)
    if c == nil or c == 0 then return T_END, nil, index end
    local single_type = single[c]
    if single_type then
      pos = pos + 1
      return single_type, nil, index
    end
    if c == 34 then -- string
      local parts = {}
      local p = pos + 1
      while true do
        local q = find(s, '["\\%z]', p)
        if q == nil then return token_error(len, "unexpected end of string") end
        parts[#parts + 1] = sub(s, p, q - 1)
        local qc = byte(s, q)
        if qc == 34 then
          pos = q + 1
          return T_STRING, concat(parts), index
        elseif qc == 0 then
          return token_error(q - 1, "unexpected end of string")
        end
        local ec = byte(s, q + 1)
        if ec == 117 then -- \u
          local hex = sub(s, q + 2, q + 5)
          local cp = find(hex, "^%x%x%x%x$") and tonumber(hex, 16)
          local used = 6
          if cp and cp >= 0xD800 and cp <= 0xDFFF then
            if cp >= 0xDC00 or sub(s, q + 6, q + 7) ~= "\\u" then
              cp = nil
            else
              local low_hex = sub(s, q + 8, q + 11)
              local low = find(low_hex, "^%x%x%x%x$") and tonumber(low_hex, 16)
              if low and low >= 0xDC00 and low <= 0xDFFF then
                cp = (cp - 0xD800) * 1024 + (low - 0xDC00) + 0x10000
                used = 12
              else
                cp = nil
              end
            end
          end
          if not cp then return token_error(q - 1, "invalid unicode escape code") end
          parts[#parts + 1] = utf8(cp)
          p = q + used
        else
          local u = ec and unescape[ec]
          if not u then return token_error(q - 1, "invalid escape code") end
          parts[#parts + 1] = u
          p = q + 2
        end
      end
    end
    local invalid_number = false
    if c == 45 or c == 43 or (c >= 48 and c <= 57) or c == 105 or c == 73
        or c == 110 or c == 78 then
      -- json_is_invalid_number
      local p = pos
      if c == 43 then
        invalid_number = true
      else
        if c == 45 then p = p + 1 end
        local pc = byte(s, p) or 0
        if pc == 48 then
          local c2 = byte(s, p + 1) or 0
          invalid_number = c2 == 120 or c2 == 88 or (c2 >= 48 and c2 <= 57)
        elseif pc <= 57 then
          invalid_number = false
        else
          local word = lower(sub(s, p, p + 2))
          invalid_number = word == "inf" or word == "nan"
        end
      end
    end
    local is_number_start = c == 45 or (c >= 48 and c <= 57)
    if is_number_start or (cfg.decode_invalid_numbers ~= 0 and invalid_number
        and sub(s, pos, pos + 3) ~= "null") then
      if is_number_start and cfg.decode_invalid_numbers == 0 and invalid_number then
        return token_error(index, "invalid number")
      end
      local text = strtod_prefix(s, pos)
      if not text then return token_error(index, "invalid number") end
      pos = pos + #text
      return T_NUMBER, tonumber(text), index
    end
    if sub(s, pos, pos + 3) == "true" then
      pos = pos + 4
      return T_BOOLEAN, true, index
    elseif sub(s, pos, pos + 4) == "false" then
      pos = pos + 5
      return T_BOOLEAN, false, index
    elseif sub(s, pos, pos + 3) == "null" then
      pos = pos + 4
      return T_NULL, nil, index
    end
    return token_error(index, "invalid token")
  end

  local function parse_error(expected, ttype, value, index)
    local found = ttype == T_ERROR and value or token_names[ttype]
    error("Expected " .. expected .. " but found " .. found .. " at character "
          .. (index + 1), 0)
  end

  local process_value

  local function descend()
    depth = depth + 1
    if depth > cfg.decode_max_depth then
      error("Found too many nested data structures (" .. depth .. ") at character "
            .. (pos - 1), 0)
    end
  end

  local function parse_object()
    descend()
    local t = {}
    local ttype, value, index = next_token()
    if ttype == T_OBJ_END then
      depth = depth - 1
      return t
    end
    while true do
      if ttype ~= T_STRING then parse_error("object key string", ttype, value, index) end
      local key = value
      ttype, value, index = next_token()
      if ttype ~= T_COLON then parse_error("colon", ttype, value, index) end
      rawset(t, key, process_value(next_token()))
      ttype, value, index = next_token()
      if ttype == T_OBJ_END then
        depth = depth - 1
        return t
      end
      if ttype ~= T_COMMA then parse_error("comma or object end", ttype, value, index) end
      ttype, value, index = next_token()
    end
  end

  local function parse_array()
    descend()
    local t = {}
    local ttype, value, index = next_token()
    if ttype == T_ARR_END then
      depth = depth - 1
      return t
    end
    local i = 1
    while true do
      rawset(t, i, process_value(ttype, value, index))
      ttype, value, index = next_token()
      if ttype == T_ARR_END then
        depth = depth - 1
        return t
      end
      if ttype ~= T_COMMA then parse_error("comma or array end", ttype, value, index) end
      ttype, value, index = next_token()
      i = i + 1
    end
  end

  process_value = function(ttype, value, index)
    if ttype == T_STRING or ttype == T_NUMBER or ttype == T_BOOLEAN then
      return value
    elseif ttype == T_OBJ_BEGIN then
      return parse_object()
    elseif ttype == T_ARR_BEGIN then
      return parse_array()
    elseif ttype == T_NULL then
      return null
    end
    parse_error("value", ttype, value, index)
  end

  function M.decode(...)
    local n = select("#", ...)
    if n ~= 1 then A.argerror(1, 1, "expected 1 argument") end
    local text = A.checkstring(1, 1, n, ...)
    if #text >= 2 and (byte(text, 1) == 0 or byte(text, 2) == 0) then
      error("JSON parser does not support UTF-16 or UTF-32", 0)
    end
    s, len, pos, depth = text, #text, 1, 0
    local v = process_value(next_token())
    local ttype, value, index = next_token()
    if ttype ~= T_END then parse_error("the end", ttype, value, index) end
    s = nil
    return v
  end

  M.new = new
  M.null = null
  M._NAME = "cjson"
  M._VERSION = "2.1.0"
  return A.register(M)
end

return new()
"""
