// A small design for the large suite's synthesis row (Yosys `synth -noabc`): an adder, a
// multiplier and a counter, enough for every synth pass to run without the run being long.
module counter(input clk, input rst, input en, output reg [7:0] q);
  always @(posedge clk) if (rst) q <= 0; else if (en) q <= q + 1;
endmodule
module top(input clk, input rst, input [7:0] a, input [7:0] b, output [7:0] sum, output [7:0] cnt, output [15:0] prod);
  assign sum = a + b;
  assign prod = a * b;
  counter c(.clk(clk), .rst(rst), .en(a[0]), .q(cnt));
endmodule
