################################################################################
# Target groups
################################################################################

# The two colours are identical but for their name: one health check tuned for a fast cutover.
# Worst case to healthy after registration: interval + healthy_threshold x interval = 15 s;
# to unhealthy: unhealthy_threshold x interval + timeout = 18 s; drained: deregistration_delay = 30 s.
resource "aws_lb_target_group" "this" {
  # checkov:skip=CKV_AWS_378:TLS ends at the ALB; targets serve plain HTTP inside the VPC, reachable from the ALB's security group only.
  for_each = toset(["blue", "green"])

  name                 = "${var.name}-${each.key}"
  vpc_id               = var.vpc_id
  target_type          = "ip" # Fargate tasks register by ENI address
  protocol             = "HTTP"
  port                 = var.app_port
  deregistration_delay = var.deregistration_delay

  health_check {
    path                = var.health_check_path
    protocol            = "HTTP"
    port                = "traffic-port"
    matcher             = var.health_check_matcher
    interval            = var.health_check_interval
    timeout             = var.health_check_timeout
    healthy_threshold   = var.healthy_threshold
    unhealthy_threshold = var.unhealthy_threshold
  }

  tags = merge(var.tags, { Color = each.key })
}

# The colours used to be two resources: keep the target groups (the services register into them).
moved {
  from = aws_lb_target_group.blue
  to   = aws_lb_target_group.this["blue"]
}

moved {
  from = aws_lb_target_group.green
  to   = aws_lb_target_group.this["green"]
}
